// A form marked data-busy says what the server is doing while it works: checking a CV takes a
// few seconds on a phone, and a silent page invites a second tap.
document.querySelectorAll("form[data-busy]").forEach((form) => {
  form.addEventListener("submit", () => {
    const status = form.querySelector("[data-busy-status]");
    if (status) status.textContent = form.dataset.busy;
    form.setAttribute("aria-busy", "true");
    form.querySelectorAll("button[type=submit]").forEach((button) => {
      button.disabled = true;
    });
  });
});
