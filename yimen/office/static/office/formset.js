// 添加一行: copy a table's empty row (its <template>) and count it in the formset's TOTAL_FORMS.
// Without JavaScript the editor still offers three blank rows on every visit.
document.querySelectorAll("[data-add-row]").forEach((button) => {
  const name = button.dataset.addRow;
  const template = document.querySelector(`template[data-empty-row="${name}"]`);
  const body = document.querySelector(`tbody[data-rows="${name}"]`);
  const total = document.querySelector(`input[name="${name}-TOTAL_FORMS"]`);
  if (!template || !body || !total) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const index = Number(total.value);
    body.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__prefix__", String(index)));
    body.lastElementChild.querySelector(".row-number").textContent = String(index + 1);
    total.value = String(index + 1);
  });
});
