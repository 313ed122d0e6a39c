// Stage review: one button marks every checklist item passed (the reviewer then unticks what
// failed). Without JS the button stays hidden and each item is ticked by hand.
(function () {
  const button = document.getElementById("all-passed");
  const form = document.getElementById("review-form");
  if (!button || !form) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    for (const radio of form.querySelectorAll("tr[data-item] input[type=radio][value='1']")) radio.checked = true;
  });
})();
