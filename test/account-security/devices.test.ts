import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, finish, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { dropSession, personWithTotp, postSettings, securityUrl, PASSWORD } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;
let app: client.Configuration;
const cb = 'http://127.0.0.1:9/expense/cb';

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Expense', redirectUris: [cb], policy: 'adaptive' });
  app = await relyingParty(t.issuer, a.clientId, a.clientSecret);
});
after(async () => {
  await t.close();
});

const listedDevices = (body: string) => [...body.matchAll(/<li data-device="([^"]+)"><strong>([^<]*)<\/strong>/g)].map((m) => ({ id: m[1]!, label: m[2]! }));

test('remembered devices are listed; "Forget" makes the next sign-in on that browser ask for the second factor again', async () => {
  const email = 'devices@example.com';
  const p = await personWithTotp(t, clock, email);
  assert.match((await p.ua.go(securityUrl(t))).body, /No remembered devices\./);

  const laptop = new UserAgent();
  const first = await passwordStep(laptop, app, cb, email, PASSWORD);
  const done = await submitCode(laptop, cb, totpCode(p.secret, clock.now()), { remember: '1' });
  await finish(app, first.auth, done.url);
  clock.nextStep();

  let page = await p.ua.go(securityUrl(t));
  const devices = listedDevices(page.body);
  assert.equal(devices.length, 1);
  assert.ok(devices[0]!.label.length > 0, 'labelled with the browser');
  // The UTC time, in a <time> that static/local-time.js rewrites in the reader's own time zone.
  assert.match(page.body, /remembered since <time datetime="[^"]+" data-local-time[^>]*>\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);

  // The device skips the prompt while it is remembered.
  dropSession(laptop);
  const skipped = await passwordStep(laptop, app, cb, email, PASSWORD);
  assert.ok(skipped.returned, `the remembered device was asked: ${skipped.page.url}`);
  await finish(app, skipped.auth, skipped.page.url);

  // Another person cannot forget it.
  const other = await personWithTotp(t, clock, 'devices-other@example.com');
  await postSettings(other.ua, t, `/account/security/devices/${devices[0]!.id}/forget`);
  assert.equal(listedDevices((await p.ua.go(securityUrl(t))).body).length, 1);

  assert.deepEqual(await postSettings(p.ua, t, `/account/security/devices/${devices[0]!.id}/forget`), { status: 303, location: '/account/security?done=device' });
  page = await p.ua.go(`${securityUrl(t)}?done=device`);
  assert.match(page.body, /The device is forgotten: it will be asked for the second step again\./);
  assert.match(page.body, /No remembered devices\./);
  const events = await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', p.user.id).where('event', '=', 'mfa.device.forgotten').execute();
  assert.equal(events.length, 1);

  dropSession(laptop);
  const asked = await passwordStep(laptop, app, cb, email, PASSWORD);
  assert.ok(!asked.returned, 'the forgotten device is asked again');
  assert.match(asked.page.body, /Code from your authenticator app/);
});
