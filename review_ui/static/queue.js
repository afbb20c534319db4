// The review queue: N opens the next page; the resident box opens that resident's screen.
(() => {
  document.addEventListener("keydown", (e) => {
    if (e.key === "n" && !(e.target instanceof HTMLInputElement)) location.href = "/review/next";
  });
  const jump = document.getElementById("resident-jump");
  if (!jump) return;
  jump.addEventListener("submit", (e) => {
    e.preventDefault();
    location.href = `/residents/${encodeURIComponent(jump.rid.value.trim())}`;
  });
})();
