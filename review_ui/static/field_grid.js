// The field grid (項目別確認): one field of many pages, one row each, worked with the keyboard
// alone. The cursor starts on the first row; Enter keeps the value as shown (or as typed
// over) as the reviewer's and moves to the next row at once, the answer marking the row
// 確認済み, or 要修正 with the rule it breaks; Tab/↓ and Shift+Tab/↑ move without keeping;
// Esc puts back the value the row was shown (or last kept) with.
(() => {
  const grid = document.getElementById("grid");
  if (!grid) {  // the fields worth a grid: Tab through them, Enter opens one
    const first = document.querySelector("#grid-keys a");
    if (first) first.focus();
    return;
  }
  const key = grid.dataset.key;
  const rows = Array.from(grid.querySelectorAll("tr.cell"));
  const inputs = rows.map((row) => row.querySelector("input"));
  const message = document.getElementById("message");
  const doneCount = document.getElementById("done-count");
  const back = document.getElementById("back");

  function say(text, error = false) {
    message.textContent = text;
    message.className = error ? "error" : "";
  }

  function mark(row, state, text) {
    row.classList.remove("saving", "done", "bad", "failed");
    row.classList.add(state);
    row.querySelector(".status").textContent = text;
  }

  function progress() {
    const done = rows.filter((row) => row.classList.contains("done")).length;
    doneCount.textContent = String(done);
    if (done === rows.length) say("すべて確認しました。ページは確認キューで確定を待ちます。");
  }

  // One request at a time, in the order the reviewer pressed Enter.
  let sending = Promise.resolve();
  function keep(row, input) {
    const value = input.value;
    if (row.classList.contains("done") && value.trim() === input.dataset.kept) return;
    mark(row, "saving", "保存中…");
    sending = sending.then(async () => {
      const answer = await fetch(
        `/api/field-grid/${encodeURIComponent(key)}/pages/${row.dataset.page}`,
        {method: "POST", headers: {"Content-Type": "application/json"},
         body: JSON.stringify({value})});
      let data = null;
      try { data = await answer.json(); } catch (_) { /* empty answer */ }
      if (!answer.ok) {
        const why = (data && typeof data.detail === "string" && data.detail) || `エラー ${answer.status}`;
        mark(row, "failed", "保存できません");
        say(`ページ ${row.dataset.page}: ${why}`, true);
        return;
      }
      input.dataset.kept = data.value;
      if (document.activeElement !== input) input.value = data.value;
      row.querySelector(".problem").textContent = data.problem;
      if (data.doubtful) mark(row, "bad", "要修正");
      else mark(row, "done", data.value === input.dataset.read ? "✓ 確認済み" : "✓ 訂正済み");
      progress();
    });
  }

  function move(input, step) {
    const next = inputs[inputs.indexOf(input) + step];
    if (next) next.focus();
    else if (step > 0) back.focus();
  }

  rows.forEach((row, index) => {
    const input = inputs[index];
    input.addEventListener("focus", () => { input.select(); row.scrollIntoView({block: "nearest"}); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); keep(row, input); move(input, e.shiftKey ? -1 : 1); }
      else if (e.key === "ArrowDown") { e.preventDefault(); move(input, 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); move(input, -1); }
      else if (e.key === "Escape") { input.value = input.dataset.kept ?? input.dataset.read; input.select(); }
    });
  });
  back.addEventListener("keydown", (e) => {
    if (e.key === "ArrowUp" && inputs.length) { e.preventDefault(); inputs[inputs.length - 1].focus(); }
  });

  if (inputs.length) inputs[0].focus();
  else back.focus();
})();
