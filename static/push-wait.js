// Gatehouse Authenticator pages: listens to the page's same-origin event stream and goes on by itself
// when the phone answered — the sign-in form is sent (the server checks the approval), the wizard
// moves to its next step. Without script, the Continue button does the same.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.querySelector('form[data-push-wait]');
  if (!form || !window.EventSource) return;
  var url = form.getAttribute('data-push-wait');
  if (!url) return;
  var source = new EventSource(url);
  var done = false;
  function finish(submit) {
    if (done) return;
    done = true;
    source.close();
    if (submit) form.submit();
    else window.location.reload();
  }
  // The request was answered: approved and denied both go to the server, which decides what follows.
  source.addEventListener('answered', function (e) {
    var status = '';
    try {
      status = JSON.parse(e.data).status;
    } catch (err) {
      status = '';
    }
    finish(status === 'approved' || status === 'denied' || status === 'reported');
  });
  // The wizard's device registered, or the request ended unanswered: the page is drawn again.
  source.addEventListener('changed', function () {
    finish(false);
  });
  document.querySelectorAll('[data-copy]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = document.getElementById(button.getAttribute('data-copy')).value;
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.getAttribute('data-copied') || 'Copied';
      });
    });
  });
});
