// Adding an account from an enrollment link: {issuer}/authenticator/#enroll=<token>.
import { ApiError, enroll, inspectEnrollment } from './api.js';
import { createDeviceKey } from './device-key.js';
import { askToNotify, subscribePush } from './push.js';
import { hasScreenLock, registerScreenLock } from './screen-lock.js';
import { accountId, listAccounts, saveAccount } from './store.js';
import { defaultDeviceName, field, h, hostOf, show } from './ui.js';

const LINK_PROBLEMS = {
  enrollment_link_used: ['This link has already been used', 'Each link adds one device, once. To add this device, start setting up the Gatehouse Authenticator again in Gatehouse and open the new link it shows.'],
  enrollment_link_expired: ['This link has expired', 'A link works for 10 minutes. Start setting up the Gatehouse Authenticator again in Gatehouse and open the new link it shows.'],
  enrollment_link_invalid: ["This link doesn't work", 'Gatehouse does not know this link. Check that you opened the whole link, or start setting up the Gatehouse Authenticator again to get a new one.'],
};

function linkProblem(app, err, retry) {
  if (err instanceof ApiError && err.code === 'network') {
    return show("Can't reach Gatehouse", h('p', {}, 'Check your connection, then try again.'), h('div', { class: 'actions' }, h('button', { type: 'button', onclick: retry }, 'Try again'), accountsButton(app)));
  }
  const code = err instanceof ApiError && LINK_PROBLEMS[err.code] ? err.code : 'enrollment_link_invalid';
  const [title, text] = LINK_PROBLEMS[code];
  const main = show(title, h('p', {}, text), h('div', { class: 'actions' }, accountsButton(app)));
  main.dataset.problem = code;
  return main;
}

const accountsButton = (app) => h('button', { type: 'button', class: 'secondary', onclick: () => app.showAccounts() }, 'Show my accounts');

export async function showEnrollment(app, token) {
  app.setView('enroll');
  show('Checking the link…', h('p', { class: 'muted' }, 'One moment.'));
  let info;
  try {
    info = await inspectEnrollment(token);
  } catch (err) {
    return linkProblem(app, err, () => showEnrollment(app, token));
  }
  confirmForm(app, token, info, { name: defaultDeviceName(), notify: true });
}

function confirmForm(app, token, info, values, error) {
  const host = hostOf(info.issuer);
  const name = h('input', { type: 'text', name: 'name', value: values.name, maxlength: '64', autocomplete: 'off', required: true });
  const canNotify = 'Notification' in window && 'PushManager' in window;
  const notify = h('input', { type: 'checkbox', id: 'notify', name: 'notify', checked: values.notify && canNotify });
  const form = h(
    'form',
    { novalidate: true },
    field({ id: 'device-name', label: 'Name this device', hint: 'You will see this name in your Gatehouse account settings.', error: error?.field === 'name' ? error.message : undefined, input: name }),
    canNotify && h('div', { class: 'check' }, notify, h('label', { for: 'notify', class: 'inline' }, 'Notify me of sign-in requests')),
    error && !error.field && h('p', { class: 'error', role: 'alert' }, error.message),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Add account'), h('button', { type: 'button', class: 'secondary', onclick: () => app.showAccounts() }, 'Cancel')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit(app, token, info, { name: name.value.trim(), notify: notify.checked }, form);
  });
  const who = info.account.name ? `${info.account.name} (${info.account.email})` : info.account.email;
  show(`Add ${info.account.email} on ${host}?`, h('p', { class: 'sub' }, `This device will approve sign-ins for ${who} at ${host}, and show codes for it when there is no network.`), form);
  if (error?.field === 'name') name.focus();
}

async function submit(app, token, info, values, form) {
  if (!values.name) return confirmForm(app, token, info, values, { field: 'name', message: 'Enter a name for this device' });
  for (const b of form.querySelectorAll('button')) b.disabled = true;
  form.append(h('p', { class: 'muted', role: 'status' }, 'Adding…'));
  // The screen lock first, while the tap still counts as a user gesture (Safari asks for one).
  let screenLock = null;
  let registration;
  if (info.userVerification && (await hasScreenLock())) {
    try {
      registration = await registerScreenLock(info.userVerification);
      screenLock = { credentialId: registration.id, transports: registration.response?.transports?.length ? registration.response.transports : ['internal'], rpId: info.userVerification.rp?.id };
    } catch {
      return confirmForm(app, token, info, values, { message: 'Your screen lock was not confirmed, so nothing was added. Try again.' });
    }
  }
  // The server's VAPID key comes with inspect, so the first account on this app subscribes too (a
  // server older than that gave it only after registering: then an account already here tells it).
  const vapidPublicKey = info.vapidPublicKey ?? (await listAccounts()).find((a) => a.issuer === info.issuer && a.vapidPublicKey)?.vapidPublicKey;
  const pushSubscription = values.notify && (await askToNotify()) ? await subscribePush(vapidPublicKey) : null;
  const key = await createDeviceKey();
  let res;
  try {
    res = await enroll({
      token,
      publicKey: key.publicJwk,
      name: values.name,
      ...(pushSubscription && { pushSubscription }),
      ...(registration && { userVerification: registration }),
    });
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'network' || err.status >= 500)) return confirmForm(app, token, info, values, { message: "Gatehouse couldn't be reached, so nothing was added. Try again." });
    return linkProblem(app, err, () => showEnrollment(app, token));
  }
  const account = {
    id: accountId(res.account.issuer, res.deviceId),
    issuer: res.account.issuer,
    email: res.account.email,
    name: res.account.name ?? '',
    deviceId: res.deviceId,
    deviceName: values.name,
    privateKey: key.privateKey,
    publicJwk: key.publicJwk,
    totp: res.totp,
    vapidPublicKey: res.vapidPublicKey ?? null,
    push: !!pushSubscription,
    screenLock,
    addedAt: Date.now(),
  };
  await saveAccount(account);
  app.accountAdded(account);
  app.setView('added');
  show(
    'Account added',
    h('p', {}, `${account.email} on ${hostOf(account.issuer)} is on this device now.`),
    h('p', {}, 'Go back to Gatehouse on your computer: it sends a test request to this device. Approve it with the number shown there.'),
    !pushSubscription && h('p', { class: 'hint' }, 'Notifications are off for this account: keep this app open to see sign-in requests.'),
    h('div', { class: 'actions' }, accountsButton(app)),
  );
}
