// WebAuthn ceremonies for Gatehouse pages (no inline script: options come from a JSON data block).
// Forms marked data-webauthn="register" | "authenticate" | "passkey" run the ceremony on submit and
// post the browser's response as JSON in the hidden "credential" field.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;

  function options(form) {
    var id = form.getAttribute('data-options') || 'webauthn-options';
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function showError(form, message) {
    var out = form.querySelector('[role=alert]') || document.getElementById('webauthn-error');
    if (out) out.textContent = message;
  }

  async function run(form, kind, autofill) {
    if (!lib || !window.PublicKeyCredential) {
      showError(form, form.getAttribute('data-unsupported') || 'This browser cannot use security keys or passkeys.');
      return;
    }
    var optionsJSON = options(form);
    var result =
      kind === 'register'
        ? await lib.startRegistration({ optionsJSON: optionsJSON })
        : await lib.startAuthentication({ optionsJSON: optionsJSON, useBrowserAutofill: !!autofill });
    form.querySelector('input[name=credential]').value = JSON.stringify(result);
    HTMLFormElement.prototype.submit.call(form);
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('form[data-webauthn]').forEach(function (form) {
      var kind = form.getAttribute('data-webauthn');
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        run(form, kind, false).catch(function (err) {
          // The browser refuses a key already in excludeCredentials with InvalidStateError
          // (WebAuthn §5.1.3 step 20; SimpleWebAuthn: ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED).
          var already = err && (err.name === 'InvalidStateError' || err.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED');
          var message = already && form.getAttribute('data-already-registered');
          showError(form, message || form.getAttribute('data-failed') || (err && err.message) || 'That did not work.');
        });
      });
      // Passkeys offered in the email field's autofill (conditional mediation), when the browser can.
      if (kind === 'passkey' && form.hasAttribute('data-autofill') && lib && lib.browserSupportsWebAuthnAutofill) {
        lib.browserSupportsWebAuthnAutofill().then(function (ok) {
          if (ok) run(form, 'authenticate', true).catch(function () {});
        });
      }
    });
  });
})();
