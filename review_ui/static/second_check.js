// Approve or send back a page another reviewer changed.
(() => {
  const table = document.getElementById("changes");
  const pageId = table.dataset.page;
  const message = document.getElementById("message");
  const approve = document.getElementById("approve");
  if (!approve) return;

  async function post(path, body) {
    const answer = await fetch(`/api/pages/${pageId}/${path}`, {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: body ? JSON.stringify(body) : undefined});
    const data = await answer.json();
    if (!answer.ok) { message.textContent = data.detail; message.className = "error"; return null; }
    return data;
  }
  approve.onclick = async () => {
    if (await post("approve")) { message.textContent = "承認しました。"; location.href = "/second-check"; }
  };
  document.getElementById("send-back").onclick = async () => {
    const reason = document.getElementById("send-back-reason");
    if (!reason.value.trim()) { message.textContent = "差戻しの理由を入力してください。"; reason.focus(); return; }
    if (await post("send-back", {reason: reason.value})) location.href = "/second-check";
  };
  document.addEventListener("keydown", (e) => {
    if (e.key === "a" && !(e.target instanceof HTMLInputElement)) approve.click();
  });
})();
