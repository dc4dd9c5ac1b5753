// One request waiting for approval: what is asking, from where; the number typed from the sign-in
// page; Approve (after the screen lock), Deny, or "This wasn't me".
import { ApiError, answerChallenge } from './api.js';
import { signAnswer } from './device-key.js';
import { proveScreenLock } from './screen-lock.js';
import { field, h, hostOf, show, timeOf } from './ui.js';

const RESULTS = {
  approved: ['Sign-in approved', 'Go back to the sign-in page: it carries on by itself.'],
  denied: ['Sign-in denied', 'Nobody was signed in.'],
  reported: ['Thanks for telling us', 'Nobody was signed in. Gatehouse paused sign-in requests to this device for a while and sent you an email. If you did not try to sign in, change your password.'],
};

export function showRequest(app, account, challenge, error) {
  app.setView('request');
  const number = h('input', { type: 'text', name: 'number', inputmode: 'numeric', pattern: '[0-9]*', maxlength: '4', autocomplete: 'off', enterkeyhint: 'done' });
  const expires = h('span', {});
  const details = [
    ['App', challenge.app],
    challenge.action && ['Action', challenge.action],
    ['Browser', challenge.browser],
    ['Operating system', challenge.os],
    ['IP address', challenge.ip],
    ['Time', timeOf(challenge.createdAt)],
  ].filter((d) => d && d[1]);
  const decide = (decision) => void answer(app, account, challenge, decision, number.value.trim());
  const form = h(
    'form',
    { novalidate: true },
    field({ id: 'number', label: 'Type the number shown on the sign-in page', error: error?.field === 'number' ? error.message : undefined, input: number }),
    error && !error.field && h('p', { class: 'error', role: 'alert' }, error.message),
    h('div', { class: 'actions' },
      h('button', { type: 'submit' }, 'Approve'),
      h('button', { type: 'button', class: 'secondary', onclick: () => decide('deny') }, 'Deny')),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', onclick: () => decide('fraud') }, "This wasn't me")),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    decide('approve');
  });
  const heading = challenge.kind === 'enroll' ? 'Approve the test request?' : `Approve sign-in to ${challenge.app}?`;
  show(
    heading,
    h('p', { class: 'sub' }, `${account.email} on ${hostOf(account.issuer)}`),
    h('dl', { class: 'request-details' }, details.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]), h('dt', {}, 'Expires'), h('dd', {}, expires)),
    form,
  );
  if (error?.field === 'number') number.focus();
  const tick = () => {
    const left = Math.ceil((challenge.expiresAt - Date.now()) / 1000);
    if (left <= 0) return expired(app, account, challenge);
    expires.textContent = `in ${left} s`;
  };
  tick();
  const timer = setInterval(tick, 1000);
  app.onLeave(() => clearInterval(timer));
}

function expired(app, account, challenge) {
  app.requests.done(account, challenge.id);
  app.setView('result');
  show('This request has expired', h('p', {}, 'Nothing was approved. Start the sign-in again if it was you.'), backButton(app));
}

const backButton = (app) => h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => app.showAccounts() }, 'Back to my accounts'));

async function answer(app, account, challenge, decision, typed) {
  if (decision === 'approve' && !/^[0-9]{1,4}$/.test(typed)) {
    return showRequest(app, account, challenge, { field: 'number', message: typed ? 'Type the number using digits only' : 'Type the number shown on the sign-in page' });
  }
  let userVerification;
  if (decision === 'approve' && account.screenLock && challenge.userVerificationChallenge) {
    try {
      userVerification = await proveScreenLock(account.screenLock, challenge.userVerificationChallenge);
    } catch {
      return showRequest(app, account, challenge, { message: 'Your screen lock was not confirmed, so nothing was sent. Try again.' });
    }
  }
  let status;
  try {
    const jws = await signAnswer(account, challenge.id, decision, decision === 'approve' ? typed : undefined, userVerification);
    ({ status } = await answerChallenge(account, challenge.id, jws));
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'network' || err.status >= 500)) return showRequest(app, account, challenge, { message: "Gatehouse couldn't be reached. Check your connection and try again." });
    app.requests.done(account, challenge.id);
    app.setView('result');
    return show('Not accepted', h('p', {}, 'Gatehouse did not accept this answer: the request may have expired or been answered already, or the number was not the one shown. Start the sign-in again on your computer.'), backButton(app));
  }
  app.requests.done(account, challenge.id);
  app.setView('result');
  const [title, text] = RESULTS[status] ?? RESULTS.approved;
  show(title, h('p', {}, text), backButton(app));
}
