// The accounts on this device: each with its current 6-digit code (computed here, offline) and a
// countdown; the requests waiting for approval; removing an account from this device.
import { totpCode } from './totp.js';
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
    app.removed.has(account.id) && h('p', { class: 'error' }, "Gatehouse no longer accepts this device for this account: it was removed in your account settings, or this device's clock is wrong. If it was removed, remove the account here too."),
    account.totp && h('p', { class: 'code-line' }, h('span', { class: 'visually-hidden' }, 'Code: '), code, ' ', left, bar),
    h('p', { class: 'muted' }, `This device: ${account.deviceName}`),
    h('details', { class: 'remove' }, h('summary', {}, 'Remove from this device'),
      h('p', { class: 'hint' }, 'This device will stop showing codes and approving sign-ins for this account. It stays listed in your Gatehouse account settings: remove it there too.'),
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

async function remove(app, account) {
  await deleteAccount(account.id);
  app.requests.stop(account);
  app.removed.delete(account.id);
  announce(`${account.email} was removed from this device.`);
  await showAccounts(app);
}
