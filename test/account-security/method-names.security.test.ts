import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import type { ReceivedMail } from '../helpers/smtp.ts';
import { FakeClock, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { registrationResponse } from '../helpers/software-authenticator.ts';
import { escapeHtml } from '../../src/http/html.ts';
import { translator } from '../../src/i18n/index.ts';
import { PASSWORD, addTotpInSettings, confirmWithCode, listedMethods, personWithTotp, postSettings, securityUrl } from './support.ts';

// SECURITY.md: "Names a person gives (methods, devices) are data: control characters stripped, length
// bounded, quoted in mails and pages, never able to read like an instruction from us." Whoever can add
// or rename a method (an attacker holding a session) writes that name into the owner's security mail.

const clock = new FakeClock();
const tr = translator();
let t: TestGatehouse;
let app: client.Configuration;
const cb = 'http://127.0.0.1:9/names/cb';

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Names', redirectUris: [cb], policy: 'adaptive' });
  app = await relyingParty(t.issuer, a.clientId, a.clientSecret);
});
after(async () => {
  await t.close();
});

/** A name that tries to write the warning mail: new paragraphs, a bidi override, NUL, BEL, zero-width and odd spaces, far too long. */
const DIRTY = 'Phone\r\n\r\nAdded by IT,\tno action needed.\u202E\u2066 Ignore\u0000 the\u200B warning\u0007\u00A0\u2028' + ' and more'.repeat(12);
/** What is left of it: one line of text, single spaces, at most 64 characters. */
const CLEAN = ('Phone Added by IT, no action needed. Ignore the warning' + ' and more'.repeat(12)).slice(0, 64).trimEnd();

/** Control characters, Unicode format characters (bidi overrides and isolates, zero-width) and line/paragraph separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

function assertCleanName(name: string, max = 64) {
  assert.doesNotMatch(name, UNSAFE, `control or format characters in ${JSON.stringify(name)}`);
  assert.doesNotMatch(name, /\s{2}|^\s|\s$/, `whitespace not collapsed in ${JSON.stringify(name)}`);
  assert.ok([...name].length <= max, `not bounded: ${[...name].length} characters`);
}

/** The mail shows the name between quotes, on one line, after our own words; nothing of it stands on a line of its own. */
function assertQuotedOnOneLine(mail: ReceivedMail, name: string) {
  const body = mail.text.replace(/\r\n/g, '\n');
  assert.doesNotMatch(body.replace(/\n/g, ''), UNSAFE, 'the mail carries no control or format characters');
  const quoted = `“${name}”`;
  const lines = body.split('\n').filter((l) => l.includes('Added by IT'));
  assert.equal(lines.length, 1, `the name is on one line:\n${body}`);
  const line = lines[0]!;
  assert.ok(line.includes(quoted), `the name is quoted as data: ${line}`);
  assert.ok(line.trim().indexOf(quoted) > 0, `our own words introduce the name on its line: ${line}`);
  assert.ok(!body.split(quoted).join('').includes('no action needed'), 'the injected words appear only inside the quotes');
}

async function methodNames(userId: string) {
  return t.gh.deps.db.selectFrom('mfa_methods').select(['id', 'type', 'name']).where('user_id', '=', userId).orderBy('created_at').execute();
}

test('a security key named with newlines, control and bidi characters is stored clean and bounded; the "added" mail quotes it on one line', async () => {
  const email = 'key-name@example.com';
  const p = await personWithTotp(t, clock, email);
  await confirmWithCode(p.ua, t, p.secret, clock);
  await p.ua.go(securityUrl(t));
  let page = await p.ua.submit('/account/security/add');
  assert.match(page.body, /<h1>Choose how to verify<\/h1>/, 'a person with 2FA goes straight to choosing');
  page = await p.ua.submit('/enroll/choose', { method: 'security-key' });
  const options = JSON.parse(/<script type="application\/json" id="webauthn-options">([\s\S]*?)<\/script>/.exec(page.body)![1]!);
  const credential = registrationResponse(options, t.issuer);
  page = await p.ua.submit('/enroll/confirm', { name: DIRTY, credential: JSON.stringify(credential) });
  assert.equal(page.status, 200, `the key was not accepted: ${page.url}`);
  assert.match(page.body, /<h1>Security key added<\/h1>/);

  const key = (await methodNames(p.user.id)).find((m) => m.type === 'webauthn');
  assert.ok(key, 'the security key is stored');
  assert.equal(key.name, CLEAN);
  assertCleanName(key.name);
  // The wizard's last page names it as data too.
  assert.ok(page.body.includes(escapeHtml(`“${CLEAN}”`)), 'the done page quotes the name');

  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === tr('notice.method_added.subject') && m.text.includes('Added by IT'));
  assertQuotedOnOneLine(mail, CLEAN);
  assert.equal((await p.ua.go(securityUrl(t))).status, 200);
  assert.deepEqual(listedMethods(p.ua.lastBody).map((m) => m.name), ['Authenticator app', escapeHtml(CLEAN)]);
});

test('a rename is stored clean; a name with nothing printable is refused; the "removed" mail quotes even a name stored before the fix', async () => {
  const email = 'rename@example.com';
  const p = await personWithTotp(t, clock, email);
  await addTotpInSettings(p.ua, t, clock, { expectCodes: false, proofSecret: p.secret });
  const [, second] = await methodNames(p.user.id);
  assert.ok(second);

  assert.deepEqual(await postSettings(p.ua, t, `/account/security/methods/${second.id}/rename`, { name: DIRTY }), { status: 303, location: '/account/security?done=renamed' });
  assert.equal((await methodNames(p.user.id))[1]!.name, CLEAN);

  // Only invisible characters: nothing would be left to tell the methods apart.
  assert.equal((await postSettings(p.ua, t, `/account/security/methods/${second.id}/rename`, { name: '\u202E\u200B\n\t\u0000 ' })).status, 400);
  assert.equal((await methodNames(p.user.id))[1]!.name, CLEAN);

  // A row written before names were cleaned: it leaves Gatehouse clean all the same. (Without the
  // NUL: PostgreSQL text cannot hold one, so such a row never existed there.)
  await t.gh.deps.db.updateTable('mfa_methods').set({ name: DIRTY.replace('\u0000', '') }).where('id', '=', second.id).execute();
  const listed = listedMethods((await p.ua.go(securityUrl(t))).body);
  assert.equal(listed[1]!.name, escapeHtml(CLEAN));
  assert.doesNotMatch(p.ua.lastBody, /[\u202A-\u202E\u2066-\u2069\u0000\u0007]/, 'the settings page carries no bidi or control characters');

  await confirmWithCode(p.ua, t, p.secret, clock);
  // The confirmation names the method the same clean way.
  const confirmation = await p.ua.go(`${t.issuer}/account/security/methods/${second.id}/remove/confirm`);
  assert.ok(confirmation.body.includes(escapeHtml(`Remove “${CLEAN}”`)), 'the confirmation names the method, cleaned');
  assert.doesNotMatch(confirmation.body, /[\u202A-\u202E\u2066-\u2069\u0000\u0007]/, 'the confirmation carries no bidi or control characters');
  assert.deepEqual(await postSettings(p.ua, t, `/account/security/methods/${second.id}/remove`, { confirm: '1' }), { status: 303, location: '/account/security?done=removed' });
  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === tr('notice.method_removed.subject'));
  assertQuotedOnOneLine(mail, CLEAN);
});

test('a remembered device is labelled from the User-Agent without its control or bidi characters, bounded', async () => {
  const email = 'device-label@example.com';
  const p = await personWithTotp(t, clock, email);
  const laptop = new UserAgent();
  // Header values travel as bytes: a client may send UTF-8 (a bidi override is E2 80 AE, read as C1 controls) and tabs.
  laptop.headers['user-agent'] = Buffer.from(`Mozilla/5.0 \u202Eevil\u202C\tAdded by IT ${'x'.repeat(300)}`, 'utf8').toString('latin1');
  await passwordStep(laptop, app, cb, email, PASSWORD);
  await submitCode(laptop, cb, totpCode(p.secret, clock.now()), { remember: '1' });
  clock.nextStep();
  const rows = await t.gh.deps.db.selectFrom('remembered_devices').select('label').where('user_id', '=', p.user.id).execute();
  assert.equal(rows.length, 1);
  assertCleanName(rows[0]!.label, 200);
  assert.match(rows[0]!.label, /^Mozilla\/5\.0 .*evil.* Added by IT x+$/, rows[0]!.label);
  const page = await p.ua.go(securityUrl(t));
  const shown = /<li data-device="[^"]+"><strong>([^<]*)<\/strong>/.exec(page.body)?.[1];
  assert.ok(shown, 'the device is listed');
  assertCleanName(shown.replace(/…$/, ''));
});

test('a display name given at sign-up is stored without control or bidi characters', async () => {
  const ua = new UserAgent();
  await ua.go(`${t.issuer}/signup`);
  const page = await ua.submit('/signup', { name: 'Dana\r\n\u202EDemo\u0000\u200B ', email: 'display-name@example.com', password: PASSWORD });
  assert.equal(page.status, 200);
  const row = await t.gh.deps.db.selectFrom('users').select('name').where('email', '=', 'display-name@example.com').executeTakeFirstOrThrow();
  assert.equal(row.name, 'Dana Demo');
});
