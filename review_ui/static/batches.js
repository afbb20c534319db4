// Upload: drag and drop or the file picker; the bar shows the bytes sent, then the batch's
// own screen shows its pages being read.
(() => {
  const drop = document.getElementById("drop");
  if (!drop) return;
  const picker = document.getElementById("files");
  const status = document.getElementById("upload-status");

  function upload(files) {
    if (!files.length) return;
    const form = new FormData();
    for (const file of files) form.append("files", file);
    form.append("label", document.getElementById("label").value);
    const request = new XMLHttpRequest();
    request.open("POST", "/api/batches");
    request.upload.onprogress = (e) => {
      if (e.lengthComputable) status.textContent = `送信中 ${Math.round(100 * e.loaded / e.total)}%`;
    };
    request.onload = () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (_) { /* not JSON */ }
      if (request.status === 201) {
        status.textContent = `バッチ ${body.id} を受け付けました（${body.total} ページ）`;
        location.href = `/batches/${body.id}`;
      } else {
        status.textContent = `受け付けられません: ${body.detail || request.statusText}`;
        status.className = "error";
      }
    };
    request.onerror = () => { status.textContent = "送信に失敗しました。"; status.className = "error"; };
    status.className = "";
    status.textContent = "送信中…";
    request.send(form);
  }

  picker.addEventListener("change", () => upload(picker.files));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    upload(e.dataTransfer.files);
  });
})();
