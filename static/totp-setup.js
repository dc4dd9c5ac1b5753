// The authenticator-app step (no inline script). "Can't scan?" remembers whether the person opened it:
// the confirm form carries that, so after a wrong code the page shows what they had open. On a
// phone-sized screen the key opens with the page (unless they closed it before): it is what they
// type or paste into the app on this same phone.
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('details[data-keep-open]').forEach(function (details) {
    var field = document.querySelector('input[name="' + details.getAttribute('data-keep-open') + '"]');
    if (!field) return;
    if (field.value === '' && window.matchMedia('(max-width: 40rem)').matches) details.open = true;
    details.addEventListener('toggle', function () {
      field.value = details.open ? '1' : '0';
    });
  });
});
