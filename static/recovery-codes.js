// Copy and print buttons for recovery codes (download is a plain link and works without script).
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('[data-copy]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = document.getElementById(button.getAttribute('data-copy')).value;
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.getAttribute('data-copied') || 'Copied';
      });
    });
  });
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      window.print();
    });
  });
});
