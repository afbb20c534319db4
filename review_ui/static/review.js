// The review screen: the cursor starts on the first doubtful field; Enter or Tab moves
// through doubtful fields only; a change is saved when the cursor leaves the field; the
// page cannot be confirmed while a field has a problem or no resident is matched.
(() => {
  const root = document.getElementById("review");
  const pageId = root.dataset.page;
  const form = document.getElementById("field-form");
  const message = document.getElementById("message");
  const confirmButton = document.getElementById("confirm");
  const rows = Array.from(document.querySelectorAll("tr.field"));
  const byKey = Object.fromEntries(rows.map((row) => [row.dataset.key, row]));
  let residentId = root.dataset.resident || null;
  let zoom = 1;

  function say(text, error = false) {
    message.textContent = text;
    message.className = error ? "error" : "";
  }

  async function call(method, path, body) {
    const answer = await fetch(path, {
      method, headers: body ? {"Content-Type": "application/json"} : {},
      body: body ? JSON.stringify(body) : undefined});
    let data = null;
    try { data = await answer.json(); } catch (_) { /* empty answer */ }
    if (!answer.ok) {
      say((data && data.detail) || `エラー ${answer.status}`, true);
      return null;
    }
    return data;
  }

  // --- fields ---------------------------------------------------------------------------
  function visibleInputs() {
    return rows.filter((row) => row.offsetParent !== null).map((row) => row.querySelector("input"));
  }

  function refresh(page) {
    for (const field of page.fields) {
      const row = byKey[field.key];
      if (!row) continue;
      const input = row.querySelector("input");
      if (document.activeElement !== input) input.value = field.value;
      input.dataset.saved = field.value;
      row.querySelector(".problem").textContent = field.problem;
      row.classList.toggle("bad", Boolean(field.problem));
      if (field.doubtful) row.classList.replace("sure", "doubtful");
    }
    residentId = page.resident_id;
    document.getElementById("resident-status").textContent =
      residentId ? `照合済み: 住民 ${residentId}` : "未照合";
    updateConfirm();
  }

  // Blocked rather than disabled, so that the cursor can still reach the button and the
  // reviewer is told why it does not confirm.
  function blockedBecause() {
    const bad = rows.filter((row) => row.classList.contains("bad")).map((row) => row.querySelector("label").textContent);
    if (bad.length) return `要修正の項目があります: ${bad.join("、")}`;
    return residentId ? "" : "住民が照合されていません。候補から選んでください (Alt+1…)。";
  }
  function updateConfirm() {
    const why = blockedBecause();
    confirmButton.setAttribute("aria-disabled", why ? "true" : "false");
    confirmButton.classList.toggle("blocked", Boolean(why));
    confirmButton.title = why;
  }

  let saving = Promise.resolve();
  function save(input) {
    if (input.value.trim() === input.dataset.saved) return saving;
    const values = {[input.name]: input.value};
    input.dataset.saved = input.value.trim();
    saving = saving.then(async () => {
      const page = await call("PATCH", `/api/pages/${pageId}/fields`, {values});
      if (page) { refresh(page); await loadCandidates(); }
    });
    return saving;
  }

  function move(from, step) {
    const inputs = visibleInputs();
    const next = inputs[inputs.indexOf(from) + step];
    if (next) { next.focus(); next.select(); return; }
    if (step > 0) (residentId ? confirmButton : document.querySelector("#candidates button") || confirmButton).focus();
  }

  for (const row of rows) {
    const input = row.querySelector("input");
    input.addEventListener("focus", () => highlight(row.dataset.key));
    input.addEventListener("change", () => save(input));
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.ctrlKey) { e.preventDefault(); save(input); move(input, e.shiftKey ? -1 : 1); }
    });
  }

  // --- the scan and its boxes -------------------------------------------------------------
  const scan = document.getElementById("scan");
  const svg = document.getElementById("boxes");
  function drawBoxes() {
    svg.setAttribute("viewBox", `0 0 ${scan.naturalWidth} ${scan.naturalHeight}`);
    svg.innerHTML = "";
    for (const row of rows) {
      if (!row.dataset.box) continue;
      const [x, y, w, h] = JSON.parse(row.dataset.box);
      const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      Object.entries({x, y, width: w, height: h}).forEach(([k, v]) => rect.setAttribute(k, v));
      rect.dataset.key = row.dataset.key;
      rect.setAttribute("class", row.classList.contains("doubtful") ? "doubtful" : "sure");
      svg.appendChild(rect);
    }
    setZoom(zoom);
  }
  function setZoom(level) {
    zoom = Math.min(4, Math.max(0.25, level));
    const sheet = document.getElementById("sheet");
    sheet.style.width = `${Math.round(zoom * 100)}%`;
    document.getElementById("zoom-text").textContent = `${Math.round(zoom * 100)}%`;
  }
  function highlight(key) {
    for (const rect of svg.querySelectorAll("rect")) rect.classList.toggle("current", rect.dataset.key === key);
    const rect = svg.querySelector(`rect[data-key="${key}"]`);
    if (rect && zoom > 1) rect.scrollIntoView({block: "center", inline: "center"});
  }
  if (scan.complete) drawBoxes(); else scan.addEventListener("load", drawBoxes);
  document.getElementById("zoom-in").onclick = () => setZoom(zoom * 1.5);
  document.getElementById("zoom-out").onclick = () => setZoom(zoom / 1.5);

  // --- resident -----------------------------------------------------------------------------
  const LABELS = {ticket_number: "券番号", birth_date: "生年月日", name: "氏名", name_kana: "フリガナ", sex: "性別"};
  async function loadCandidates() {
    const candidates = await call("GET", `/api/pages/${pageId}/candidates`);
    const body = document.querySelector("#candidates tbody");
    body.innerHTML = "";
    (candidates || []).forEach((c, index) => {
      const row = body.insertRow();
      row.className = c.resident_id === residentId ? "chosen" : "";
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = index < 9 ? `選択 (Alt+${index + 1})` : "選択";
      button.onclick = () => choose(c.resident_id);
      row.insertCell().appendChild(button);
      for (const [key, value] of [["atena_number", c.atena_number], ["name", c.name], ["name_kana", c.name_kana], ["birth_date", c.birth_date], ["sex", c.sex]]) {
        const cell = row.insertCell();
        cell.textContent = value;
        if (c.differs.includes(key)) cell.className = "differs";
      }
      row.insertCell().textContent = c.differs.map((k) => LABELS[k] || k).join("、");
    });
    if (!candidates || !candidates.length) body.insertRow().insertCell().textContent = "候補がありません。券番号・生年月日・氏名を確かめてください。";
  }
  async function choose(id) {
    const page = await call("PUT", `/api/pages/${pageId}/resident`, {resident_id: id});
    if (page) { refresh(page); await loadCandidates(); say(`住民 ${id} を選びました。`); confirmButton.focus(); }
  }

  // --- decisions ----------------------------------------------------------------------------
  async function confirmPage() {
    const active = document.activeElement;
    if (active instanceof HTMLInputElement && active.form === form) save(active);
    await saving;
    const why = blockedBecause();
    if (why) { say(why, true); return; }
    const done = await call("POST", `/api/pages/${pageId}/confirm`);
    if (!done) return;
    say(done.state === "second_check" ? "二次確認に回しました。" : `台帳に登録しました（記録 ${done.record_id}）。`);
    location.href = "/review/next";
  }
  confirmButton.onclick = confirmPage;
  const rejectForm = document.getElementById("reject-form");
  document.getElementById("reject-open").onclick = () => {
    rejectForm.hidden = false;
    document.getElementById("reject-reason").focus();
  };
  rejectForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = document.getElementById("reject-reason").value.trim();
    if (!reason) return;
    if (await call("POST", `/api/pages/${pageId}/reject`, {reason})) location.href = "/review/next";
  });
  document.getElementById("aside").onclick = async () => {
    if (await call("POST", `/api/pages/${pageId}/release`)) location.href = "/review";
  };
  const showAll = document.getElementById("show-all");
  showAll.onclick = () => {
    form.classList.toggle("all");
    showAll.textContent = form.classList.contains("all") ? "要確認のみ (Alt+A)" : "すべて表示 (Alt+A)";
  };

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey && e.key === "Enter") { e.preventDefault(); confirmPage(); }
    else if (e.altKey && e.key === "a") { e.preventDefault(); showAll.click(); }
    else if (e.altKey && e.key === "r") { e.preventDefault(); document.getElementById("reject-open").click(); }
    else if (e.altKey && e.key === "p") { e.preventDefault(); document.getElementById("aside").click(); }
    else if (e.altKey && /^[1-9]$/.test(e.key)) {
      e.preventDefault();
      const button = document.querySelectorAll("#candidates button")[Number(e.key) - 1];
      if (button) button.click();
    } else if (!(e.target instanceof HTMLInputElement) && (e.key === "+" || e.key === "-")) {
      setZoom(e.key === "+" ? zoom * 1.5 : zoom / 1.5);
    }
  });

  updateConfirm();
  loadCandidates();
  const first = visibleInputs()[0];
  if (first) { first.focus(); first.select(); } else confirmButton.focus();
  if (!first) say("機械が迷った項目はありません。住民を確かめて確定してください。");
})();
