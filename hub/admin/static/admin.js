// hub admin: the only script of our own. Asks before submitting a form that carries a
// data-confirm text (plugin actions such as Disconnect). No inline scripts anywhere, so the
// page's Content-Security-Policy can forbid them.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm) {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }
});
