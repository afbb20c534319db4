// Reports: each form shows its table here and keeps its CSV link in step with the form.
(() => {
  const message = document.getElementById("message");
  function query(form) { return new URLSearchParams(new FormData(form)).toString(); }
  for (const form of document.querySelectorAll("form[data-report]")) {
    const name = form.dataset.report;
    const csv = form.querySelector(".csv");
    const refresh = () => { csv.href = `/api/reports/${name}?${query(form)}&format=csv`; };
    form.addEventListener("input", refresh);
    refresh();
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const answer = await fetch(`/api/reports/${name}?${query(form)}`);
      const data = await answer.json();
      const head = document.querySelector("#report thead"), body = document.querySelector("#report tbody");
      head.innerHTML = ""; body.innerHTML = "";
      if (!answer.ok) { message.textContent = JSON.stringify(data.detail); message.className = "error"; return; }
      message.className = "";
      message.textContent = `${data.rows.length} 行`;
      if (!data.rows.length) return;
      const columns = Object.keys(data.rows[0]);
      const tr = head.insertRow();
      for (const c of columns) { const th = document.createElement("th"); th.textContent = c; tr.appendChild(th); }
      for (const row of data.rows) {
        const line = body.insertRow();
        for (const c of columns) line.insertCell().textContent = row[c] ?? "";
      }
    });
  }
})();
