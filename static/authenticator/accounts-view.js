// The accounts on this device: each with its current 6-digit code (computed here, offline) and a
// countdown; the requests waiting for approval; removing an account (Gatehouse revokes the device).
import { totpCode } from './totp.js';
import { ApiError, removeDevice } from './api.js';
import { deleteAccount, listAccounts } from './store.js';
import { announce, h, hostOf, show } from './ui.js';

const grouped = (code) => (code.length === 6 ? `${code.slice(0, 3)} ${code.slice(3)}` : code);

export async function showAccounts(app) {
  app.setView('accounts');
  const accounts = await listAccounts();
  const waiting = app.requests.list();
  const rows = accounts.map((account) => accountRow(app, account));
  show(
    'Your accounts',
    waiting.length > 0 &&
      h('section', { 'aria-labelledby': 'waiting-heading', class: 'waiting' },
        h('h2', { id: 'waiting-heading' }, 'Waiting for you'),
        h('ul', { class: 'plain' }, waiting.map(({ account, challenge }) =>
          h('li', {}, h('button', { type: 'button', onclick: () => app.openRequest(account, challenge) }, `Review: ${title(challenge)} (${account.email})`))))),
    accounts.length === 0
      ? [h('p', {}, 'There are no accounts on this device yet.'), h('p', { class: 'hint' }, 'To add one, choose the Gatehouse Authenticator when you set up two-step verification in Gatehouse, and open the link it shows on this device.')]
      : h('ul', { class: 'plain accounts' }, rows.map((r) => r.el)),
  );
  // Codes and countdowns every second; the interval ends with this screen.
  const tick = () => rows.forEach((r) => r.update());
  tick();
  const timer = setInterval(tick, 1000);
  app.onLeave(() => clearInterval(timer));
}

export const title = (challenge) => (challenge.kind === 'enroll' ? 'Test request' : `Sign-in to ${challenge.app}`);

function accountRow(app, account) {
  const headingId = `account-${account.deviceId}`;
  const code = h('span', { class: 'totp-code' }, '··· ···');
  const left = h('span', { class: 'countdown' });
  const bar = h('progress', { max: String(account.totp?.period ?? 30), 'aria-hidden': 'true' });
  const el = h(
    'li',
    { class: 'account', 'data-account': account.id, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, account.email, h('span', { class: 'server' }, ` on ${hostOf(account.issuer)}`)),
    app.removed.has(account.id) && h('p', { class: 'error' }, 'Gatehouse no longer accepts this device for this account: it was removed in your account settings. Remove the account here too.'),
    app.skewed.has(account.id) && h('p', { class: 'error' }, skewText(app.skewed.get(account.id))),
    account.totp && h('p', { class: 'code-line' }, h('span', { class: 'visually-hidden' }, 'Code: '), code, ' ', left, bar),
    h('p', { class: 'muted' }, `This device: ${account.deviceName}`),
    h('details', { class: 'remove', open: app.removeProblems.has(account.id) }, h('summary', {}, 'Remove this account'),
      h('p', { class: 'hint' }, app.removed.has(account.id)
        ? 'This device will forget the account and stop showing its codes.'
        : 'Gatehouse stops accepting this device for this account, and this device forgets it. As when you remove it in your account settings, you will be signed out of your apps and get an email.'),
      problem(app, account),
      h('button', { type: 'button', class: 'danger', onclick: () => remove(app, account) }, `Remove ${account.email}`)),
  );
  let last = '';
  return {
    el,
    async update() {
      if (!account.totp) return;
      const now = await totpCode(account.totp);
      if (now.code !== last) code.textContent = grouped((last = now.code));
      left.textContent = `Changes in ${now.secondsLeft} s`;
      bar.value = now.secondsLeft;
    },
  };
}

/** "Your clock is 12 minutes fast": what to fix, from how far the server said this device's clock is off. */
function skewText(offsetMs) {
  const minutes = offsetMs === undefined ? undefined : Math.round(Math.abs(offsetMs) / 60_000);
  const by = minutes === undefined || minutes < 2 ? 'wrong' : `${minutes} minutes ${offsetMs > 0 ? 'fast' : 'slow'}`;
  return `This device's clock is ${by}, so Gatehouse refuses its requests. Set the date and time to automatic, then open this app again.`;
}

const REMOVE_PROBLEMS = {
  last_method_required: 'Gatehouse keeps this device: it is the last way to verify your sign-ins that your organization allows. Add another method in your account settings first.',
  clock_skew: "This device's clock is wrong, so nothing was removed. Set the date and time to automatic, then try again.",
  network: "Gatehouse couldn't be reached, so nothing was removed. Check your connection and try again.",
};

function problem(app, account) {
  const code = app.removeProblems.get(account.id);
  if (!code) return null;
  return [
    h('p', { class: 'error', role: 'alert' }, REMOVE_PROBLEMS[code] ?? REMOVE_PROBLEMS.network),
    // The server may be gone for good: the person can still forget the account here.
    code !== 'last_method_required' && h('button', { type: 'button', class: 'secondary', onclick: () => forget(app, account) }, `Remove from this device only`),
  ];
}

/**
 * Asks Gatehouse to revoke this device (`DELETE /devices/self`), then forgets the account here. A
 * device Gatehouse no longer knows is simply forgotten; when Gatehouse refuses (a policy keeps the
 * device) or can't be asked, the account stays and the row says why.
 */
async function remove(app, account) {
  if (!app.removed.has(account.id)) {
    try {
      await removeDevice(account);
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'network';
      if (code !== 'device_unknown') {
        app.removeProblems.set(account.id, code === 'last_method_required' || code === 'clock_skew' ? code : 'network');
        announce(REMOVE_PROBLEMS[app.removeProblems.get(account.id)]);
        return showAccounts(app);
      }
    }
  }
  return forget(app, account);
}

async function forget(app, account) {
  await deleteAccount(account.id);
  app.requests.stop(account);
  app.removed.delete(account.id);
  app.skewed.delete(account.id);
  app.removeProblems.delete(account.id);
  announce(`${account.email} was removed from this device.`);
  await showAccounts(app);
}
