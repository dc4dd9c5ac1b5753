import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type * as client from 'openid-client';
import { createTestStore, startTestGatehouse, type TestGatehouse, type TestStore } from '../helpers/gatehouse.ts';
import { UserAgent, findForm } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { freePort } from '../helpers/ports.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { isPostgresUrl } from '../../src/store/db.ts';
import { atApp, enrollPushAtSignIn, pageStreamUrl, pushPage, readUntil } from './support.ts';

// Several instances share one PostgreSQL; on SQLite there is one process and nothing to test here.
const onPostgres = !!process.env.DATABASE_URL && isPostgresUrl(process.env.DATABASE_URL);
let store: TestStore;
let a: TestGatehouse;
let b: TestGatehouse;
let payroll: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';

before(async () => {
  if (!onPostgres) return;
  store = await createTestStore();
  // One issuer behind a load balancer: the same issuer URL, secret key and database, two listeners.
  const port = await freePort();
  const env = { PORT: String(port), GATEHOUSE_ISSUER: `http://localhost:${port}`, GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex') };
  a = await startTestGatehouse(env, { store });
  b = await startTestGatehouse({ ...env, PORT: String(await freePort()) }, { store });
  const app = await a.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  payroll = await relyingParty(a.issuer, app.clientId, app.clientSecret);
});
after(async () => {
  if (!onPostgres) return;
  await a.close();
  await b.close();
  await store.drop();
});

test('An answer through instance A wakes the browser waiting on instance B (LISTEN/NOTIFY)', { skip: !onPostgres && 'PostgreSQL only (DATABASE_URL=postgres://…)' }, async () => {
  const email = 'two@example.com';
  await a.createUser(email, 'correct horse battery staple');
  const device = await PushDevice.create(a.issuer);
  await enrollPushAtSignIn(new UserAgent(), payroll, cb, email, device);

  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, email);
  // The page's wait stream lands on B (the balancer's choice), with the browser's cookies.
  const wait = new URL(pageStreamUrl(ua));
  const bOrigin = `http://localhost:${(b.gh.http.server.address() as { port: number }).port}`;
  const res = await fetch(`${bOrigin}${wait.pathname}${wait.search}`, { headers: { cookie: ua.cookieHeader(ua.lastUrl) } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const told = readUntil(res, 'answered');

  // The device's wait stream is on B too; the request started on A reaches it.
  const c = await device.nextChallenge();
  const started = Date.now();
  assert.equal((await device.answer(c.id, 'approve', number)).status, 200, 'answered through A');
  assert.deepEqual(await told, { status: 'approved' });
  const latency = Date.now() - started;
  assert.ok(latency < 5_000, `told in ${latency} ms`);
  const done = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(atApp(cb)(done.url));
});

test("The page's held Continue on B is answered when the phone answers through A: the sign-in goes on from there", { skip: !onPostgres && 'PostgreSQL only (DATABASE_URL=postgres://…)' }, async () => {
  const email = 'two-held@example.com';
  await a.createUser(email, 'correct horse battery staple');
  const device = await PushDevice.create(a.issuer);
  await enrollPushAtSignIn(new UserAgent(), payroll, cb, email, device);

  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, email);
  const form = findForm(ua.lastBody, '/mfa');
  const bOrigin = `http://localhost:${(b.gh.http.server.address() as { port: number }).port}`;
  const held = ua.fetch(`${bOrigin}${new URL(form.action, ua.lastUrl).pathname}`, {
    method: 'POST',
    form: { ...form.hidden, wait: '1' },
    headers: { accept: 'application/json', cookie: ua.cookieHeader(ua.lastUrl), origin: new URL(a.issuer).origin, 'sec-fetch-site': 'same-origin' },
  });
  const c = await device.nextChallenge();
  const started = Date.now();
  assert.equal((await device.answer(c.id, 'approve', number)).status, 200, 'answered through A');
  const res = await held;
  const latency = Date.now() - started;
  assert.equal(res.status, 200);
  const { next } = (await res.json()) as { next: string };
  assert.ok(latency < 5_000, `told in ${latency} ms`);
  const done = await ua.go(next, {}, atApp(cb));
  assert.ok(atApp(cb)(done.url), `not back at the app: ${done.url}`);
});

test('A request started through A reaches a device waiting on B', { skip: !onPostgres && 'PostgreSQL only (DATABASE_URL=postgres://…)' }, async () => {
  const email = 'two-b@example.com';
  await a.createUser(email, 'correct horse battery staple');
  const device = await PushDevice.create(a.issuer);
  await enrollPushAtSignIn(new UserAgent(), payroll, cb, email, device);
  const bOrigin = `http://localhost:${(b.gh.http.server.address() as { port: number }).port}`;
  // Signed for the issuer's URL (what the device knows), delivered to B's listener.
  const url = device.api('/challenges/wait');
  const res = await fetch(url.replace(a.issuer, bOrigin), { headers: { authorization: await device.authorization('GET', url) } });
  assert.equal(res.status, 200);
  const next = readUntil(res, 'challenge');
  const ua = new UserAgent();
  await pushPage(ua, payroll, cb, email);
  const c = (await next) as { app: string; kind: string };
  assert.equal(c.app, 'Payroll');
  assert.equal(c.kind, 'sign_in');
});

test('A signed request used through A is refused through B: the jti is kept in the store, not in one process', { skip: !onPostgres && 'PostgreSQL only (DATABASE_URL=postgres://…)' }, async () => {
  const email = 'two-jti@example.com';
  await a.createUser(email, 'correct horse battery staple');
  const device = await PushDevice.create(a.issuer);
  await enrollPushAtSignIn(new UserAgent(), payroll, cb, email, device);
  const bOrigin = `http://localhost:${(b.gh.http.server.address() as { port: number }).port}`;
  const url = device.api('/devices/self');
  const header = await device.authorization('GET', url);
  assert.equal((await fetch(url, { headers: { authorization: header } })).status, 200, 'through A');
  const replay = await fetch(url.replace(a.issuer, bOrigin), { headers: { authorization: header } });
  assert.equal(replay.status, 401);
  assert.equal(((await replay.json()) as { error: string }).error, 'request_replayed');
});
