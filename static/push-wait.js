// Gatehouse Authenticator pages: go on by themselves when the phone answered. Without script, the
// Continue button does the same.
//
// A sign-in's push page (`data-push-hold`) sends its Continue form at once, and the server holds it
// until the phone answers: on approval it answers with where to go (`{"next": …}`, the sign-in done);
// a denial sends the form (the server shows what follows), a request that ended draws the page again,
// no answer yet asks again. Changing "Remember this device" sends it again with the new choice. One
// Continue is held per request: a page whose Continue another tab's took over listens to the stream.
// Other pages (the wizard's test request), and browsers without fetch, listen to the page's
// same-origin event stream (`data-push-wait`) and send the form when it says `answered`.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.querySelector('form[data-push-wait]');
  document.querySelectorAll('[data-copy]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = document.getElementById(button.getAttribute('data-copy')).value;
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.getAttribute('data-copied') || 'Copied';
      });
    });
  });
  if (!form) return;
  if (form.hasAttribute('data-push-hold') && window.fetch && window.AbortController && window.FormData && window.URLSearchParams) {
    hold(form);
  } else {
    listen(form);
  }
});

function hold(form) {
  var done = false;
  var controller;
  var failures = 0;
  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (err) {
      return false;
    }
  }
  function finish(action) {
    if (done) return;
    done = true;
    action();
  }
  function send() {
    if (done) return;
    if (controller) controller.abort();
    var mine = new AbortController();
    controller = mine;
    var body = new URLSearchParams(new FormData(form));
    body.set('wait', '1');
    fetch(form.action, { method: 'POST', body: body, headers: { accept: 'application/json' }, credentials: 'same-origin', redirect: 'manual', signal: mine.signal })
      .then(function (res) {
        var type = res.headers.get('content-type') || '';
        return type.indexOf('application/json') === 0 ? res.json() : {};
      })
      .then(
        function (answer) {
          if (mine !== controller) return;
          failures = 0;
          if (answer.next && sameOrigin(answer.next)) return finish(function () { window.location.assign(answer.next); });
          if (answer.status === 'pending') return send();
          // This sign-in's page is open elsewhere too (another tab) and holds its Continue there: listen instead.
          if (answer.status === 'superseded') return finish(function () { listen(form); });
          if (answer.status === 'denied') return finish(function () { form.submit(); });
          finish(function () { window.location.reload(); });
        },
        function () {
          // Aborted for a new choice, or the line broke: ask again a little later, a few times.
          if (mine !== controller || done) return;
          if (++failures > 5) return;
          setTimeout(send, 1000 * failures);
        },
      );
  }
  var remember = form.querySelector('input[name="remember"]');
  if (remember) remember.addEventListener('change', send);
  // The button still works: the form it sends is answered the same way (and a held request is dropped).
  form.addEventListener('submit', function () {
    done = true;
    if (controller) controller.abort();
  });
  send();
}

function listen(form) {
  if (!window.EventSource) return;
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
}
