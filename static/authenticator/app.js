// The Gatehouse Authenticator web app: which screen to show, and the requests arriving meanwhile.
import { showAccounts, title } from './accounts-view.js';
import { showEnrollment } from './enroll-view.js';
import { showRequest } from './request-view.js';
import { Requests } from './requests.js';
import { listAccounts } from './store.js';
import { announce, h, show } from './ui.js';

let view = null;
let leaving = [];

const app = {
  requests: new Requests(),
  /** Accounts whose server answered `device_unknown`: the device was removed there. */
  removed: new Set(),
  /** Accounts whose server refused this device's clock (`clock_skew`): account id → how far off, ms (undefined: unknown). */
  skewed: new Map(),
  /** Accounts whose removal Gatehouse refused or could not be asked: account id → why (shown in the account's row). */
  removeProblems: new Map(),
  /** The screen now on show; what the previous one left running (timers) ends here. */
  setView(name) {
    for (const fn of leaving.splice(0)) fn();
    view = name;
    document.body.dataset.view = name;
  },
  onLeave(fn) {
    leaving.push(fn);
  },
  showAccounts: () => showAccounts(app),
  openRequest: (account, challenge) => showRequest(app, account, challenge),
  accountAdded(account) {
    app.requests.start(account);
  },
};

app.requests.addEventListener('added', ({ detail: { account, challenge } }) => {
  announce(`New request: ${title(challenge)} for ${account.email}`);
  // Someone looking at their accounts (or who just added one) is waiting for exactly this.
  if (view === 'accounts' || view === 'added' || view === 'result') app.openRequest(account, challenge);
});

app.requests.addEventListener('clock-skew', ({ detail: { account, offsetMs } }) => {
  const known = app.skewed.has(account.id);
  app.skewed.set(account.id, offsetMs);
  if (known) return;
  announce(`This device's clock is wrong, so Gatehouse refuses its requests for ${account.email}.`);
  if (view === 'accounts') void app.showAccounts();
});

app.requests.addEventListener('clock-ok', ({ detail: account }) => {
  if (!app.skewed.delete(account.id)) return;
  if (view === 'accounts') void app.showAccounts();
});

app.requests.addEventListener('device-removed', ({ detail: account }) => {
  app.removed.add(account.id);
  announce(`Gatehouse no longer accepts this device for ${account.email}.`);
  if (view === 'accounts') void app.showAccounts();
});

/** A notification was tapped: the request it told of, wherever it is. */
async function openChallenge(id) {
  let found = app.requests.find(id);
  if (!found) {
    await app.requests.refresh(await listAccounts());
    found = app.requests.find(id);
  }
  if (found) return app.openRequest(found.account, found.challenge);
  app.setView('result');
  show('This request is no longer waiting', h('p', {}, 'It was answered, or it expired.'), h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => app.showAccounts() }, 'Back to my accounts')));
}

function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('enroll');
  const challenge = params.get('challenge');
  // The enrollment token leaves the address bar (and the history) at once.
  if (token || challenge) history.replaceState(null, '', location.pathname);
  if (token) return showEnrollment(app, token);
  if (challenge) return openChallenge(challenge);
  return showAccounts(app);
}

async function start() {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js').catch(() => {});
    navigator.serviceWorker.addEventListener('message', (e) => {
      if (e.data?.type === 'open-challenge' && typeof e.data.id === 'string') void openChallenge(e.data.id);
    });
  }
  for (const account of await listAccounts()) app.requests.start(account);
  // Back on screen or back online: ask at once rather than when the wait loop's back-off ends (a
  // phone drops the stream of an app in the background).
  const askNow = async () => app.requests.refresh(await listAccounts());
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && void askNow());
  window.addEventListener('online', () => void askNow());
  window.addEventListener('hashchange', route);
  await route();
}

void start();
