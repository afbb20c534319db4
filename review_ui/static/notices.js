// Notice runs (個別通知): run a mailing through /api/notice-runs, follow it while a worker
// draws its files, and offer the PDF and the CSV once done. Text only, never HTML from data.
(() => {
  const form = document.getElementById("notice-form");
  const select = document.getElementById("programme");
  const message = document.getElementById("message");
  const body = document.querySelector("#runs tbody");
  const STATES = { queued: "待機中", rendering: "作成中", done: "完了", failed: "失敗" };
  let timer = null;

  function say(text, error) {
    message.textContent = text;
    message.className = error ? "error" : "";
  }

  function detail(data) {
    return typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail);
  }

  function link(href, text, cls) {
    const a = document.createElement("a");
    a.href = href; a.textContent = text; a.className = cls; a.download = "";
    return a;
  }

  function stateCell(cell, run) {
    cell.className = "state";
    if (run.state === "rendering" || run.state === "queued") {
      const bar = document.createElement("progress");
      bar.max = Math.max(run.people, 1); bar.value = run.progress;
      cell.append(`${STATES[run.state]} ${run.progress} / ${run.people} `, bar);
    } else if (run.state === "failed") {
      const again = document.createElement("button");
      again.type = "button"; again.className = "retry"; again.textContent = "再実行";
      again.addEventListener("click", () => retry(run.id, again));
      cell.append(`${STATES.failed}: ${run.reason} `, again);
      cell.classList.add("error");
    } else {
      cell.append(STATES[run.state] || run.state);
    }
  }

  function row(run) {
    const tr = document.createElement("tr");
    tr.id = `run-${run.id}`;
    tr.dataset.state = run.state;
    const values = [run.id, run.programme_ja, run.month, run.reminders ? "あり" : "",
                    run.people];
    for (const value of values) tr.insertCell().textContent = value;
    stateCell(tr.insertCell(), run);
    tr.insertCell().textContent = run.created_by;
    const files = tr.insertCell();
    if (run.pdf_url) files.append(link(run.pdf_url, "PDF", "pdf"), " ", link(run.csv_url, "CSV", "csv"));
    return tr;
  }

  async function retry(id, button) {
    button.disabled = true;
    const answer = await fetch(`/api/notice-runs/${id}/retry`, { method: "POST" });
    const data = await answer.json();
    if (!answer.ok) { say(detail(data), true); button.disabled = false; return; }
    say(`通知 ${id} をもう一度作成します。`, false);
    await refresh();
  }

  async function refresh() {
    clearTimeout(timer);
    const answer = await fetch("/api/notice-runs");
    if (!answer.ok) { say(`一覧を読めません (${answer.status})`, true); return; }
    const runs = await answer.json();
    body.replaceChildren(...runs.map(row));
    if (runs.some((run) => run.state === "queued" || run.state === "rendering")) {
      timer = setTimeout(refresh, 1000);
    }
  }

  async function programmes() {
    const answer = await fetch("/api/notice-runs/programmes");
    if (!answer.ok) { say(`予防接種の一覧を読めません (${answer.status})`, true); return; }
    for (const item of await answer.json()) {
      const option = document.createElement("option");
      option.value = item.id; option.textContent = item.name_ja;
      select.append(option);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.getElementById("run");
    button.disabled = true;
    try {
      const answer = await fetch("/api/notice-runs", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ programme: select.value,
                               month: document.getElementById("month").value,
                               reminders: document.getElementById("reminders").checked }),
      });
      const data = await answer.json();
      if (!answer.ok) { say(detail(data), true); return; }
      say(`通知 ${data.id} を受け付けました（${data.people} 人）。`, false);
      await refresh();
    } finally {
      button.disabled = false;
    }
  });

  programmes();
  refresh();
})();
