// Live progress of one batch from the server's event stream: no reload needed.
(() => {
  const list = document.getElementById("pages");
  const batchId = list.dataset.batch;
  const canRetry = list.dataset.canRetry === "1";
  const bar = document.getElementById("progress");
  const text = document.getElementById("progress-text");
  const counts = document.getElementById("counts");
  const NAMES = {received: "受付", queued: "待機", reading: "読取中", needs_review: "要確認",
    ready: "確認可", in_review: "確認中", second_check: "二次確認", confirmed: "確定",
    rejected: "却下", failed: "失敗"};

  function retryButton(pageId) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "retry";
    button.textContent = "再読取";
    button.onclick = async () => {
      button.disabled = true;
      const answer = await fetch(`/api/pages/${pageId}/retry`, {method: "POST"});
      if (!answer.ok) { button.disabled = false; alert((await answer.json()).detail); }
      else watch();
    };
    return button;
  }

  function show(batch) {
    bar.max = batch.total;
    bar.value = batch.read;
    const splitting = batch.split < batch.total ? `分割 ${batch.split} / ${batch.total}・` : "";
    text.textContent = `${splitting}読取 ${batch.read} / ${batch.total}・完了 ${batch.finished}`;
    counts.textContent = Object.entries(batch.counts).map(([s, n]) => `${NAMES[s] || s} ${n}`).join("　");
    for (const page of batch.pages) {
      const item = document.getElementById(`page-${page.id}`);
      if (!item) continue;
      const was = item.dataset.state;
      item.dataset.state = page.state;
      item.querySelector(".state").textContent = NAMES[page.state] || page.state;
      item.querySelector(".reason").textContent = page.state === "failed" ? page.reason : "";
      const old = item.querySelector(".retry");
      if (page.state === "failed" && canRetry && !old) item.appendChild(retryButton(page.id));
      if (page.state !== "failed" && old) old.remove();
      if (was !== page.state && (was === "received" || was === "queued" || was === "reading")) {
        const img = item.querySelector("img");
        img.src = `/api/pages/${page.id}/image?width=160&v=${Date.now()}`;
      }
    }
    document.body.dataset.read = batch.read === batch.total ? "done" : "working";
  }

  let source = null;
  function watch() {
    if (source) source.close();
    source = new EventSource(`/api/batches/${batchId}/events`);
    source.addEventListener("progress", (e) => show(JSON.parse(e.data)));
    source.addEventListener("done", () => source.close());
  }
  watch();
})();
