// A page drawn in answer to a form (the second-factor page right after the password, say) shows the
// address it lives at, so that reloading it, or a script drawing it again, asks for the page instead
// of sending the form a second time. The server names that address in `data-page-url`.
(function () {
  var main = document.querySelector('[data-page-url]');
  if (!main || !window.history || !window.history.replaceState) return;
  var url = main.getAttribute('data-page-url');
  try {
    var target = new URL(url, window.location.href);
    if (target.origin !== window.location.origin) return;
    if (target.pathname + target.search !== window.location.pathname + window.location.search) window.history.replaceState(window.history.state, '', target.pathname + target.search);
  } catch (err) {
    // An address this browser cannot read changes nothing.
  }
})();
