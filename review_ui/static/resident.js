// A resident's screen: showing the My Number is a deliberate, logged action.
(() => {
  const button = document.getElementById("show-my-number");
  if (!button) return;
  button.onclick = async () => {
    const answer = await fetch(`/api/residents/${button.dataset.resident}/my-number`, {method: "POST"});
    const data = await answer.json();
    document.getElementById("my-number").textContent = answer.ok ? data.my_number : data.detail;
    button.remove();
  };
})();
