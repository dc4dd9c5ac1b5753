// Adds a "Show password" button under each password field marked with data-show-label, so people
// can check a new password before submitting it (GOV.UK and NIST SP 800-63B advise offering this).
// Without JavaScript the field works as usual; the labels come from the page, i.e. the catalog.
document.addEventListener('DOMContentLoaded', () => {
  for (const input of document.querySelectorAll('input[type=password][data-show-label]')) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary show-password';
    button.setAttribute('aria-controls', input.id);
    button.setAttribute('aria-pressed', 'false');
    button.textContent = input.dataset.showLabel;
    button.addEventListener('click', () => {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.setAttribute('aria-pressed', String(show));
      button.textContent = show ? input.dataset.hideLabel : input.dataset.showLabel;
    });
    input.insertAdjacentElement('afterend', button);
  }
  // Sent as typed, never left visible: a revealed password goes back to hidden on submit, so the
  // browser's history and password manager see a password field.
  for (const form of document.querySelectorAll('form')) {
    form.addEventListener('submit', () => {
      for (const input of form.querySelectorAll('input[data-show-label]')) input.type = 'password';
    });
  }
});
