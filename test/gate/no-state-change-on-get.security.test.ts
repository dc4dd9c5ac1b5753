import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, interactionUid, passwordStep } from '../helpers/mfa.ts';
import { signInToAccount } from '../account-security/support.ts';
import { PASSWORD } from './support.ts';

// SECURITY.md "Flows and sessions": no state changes on GET. Every route Gatehouse registers for
// POST is asked with GET, by a signed-in browser and by one in the middle of a sign-in: none of them
// may answer with anything but "not found", and the person's state stays as it was.
const clock = new FakeClock();
let t: TestGatehouse;
let rp: client.Configuration;
const cb = 'http://127.0.0.1:9/cb';
const posts: string[] = [];

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const app = await t.createApp({ name: 'Expense', redirectUris: [cb], policy: 'adaptive' });
  rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  // Fastify prints a tree: a child line continues its parent's path ("/account/sign-out" + "-everywhere").
  const stack: Array<{ indent: number; path: string }> = [];
  for (const line of t.gh.http.printRoutes({ method: 'POST', commonPrefix: false }).split('\n')) {
    const m = /^(.*?)[├└]── (\S+?)(?: \(POST\))?$/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const path = (stack[stack.length - 1]?.path ?? '') + m[2]!;
    stack.push({ indent, path });
    if (line.endsWith('(POST)')) posts.push(path);
  }
});
after(async () => {
  await t.close();
});

test('no route that changes state answers a GET', async () => {
  assert.ok(posts.length >= 20, `the POST routes were listed (${posts.length})`);
  const email = 'get-only@example.com';
  const user = await t.createUser(email, PASSWORD);
  const settled = new UserAgent();
  await signInToAccount(settled, t, email);
  const midway = new UserAgent();
  const { page } = await passwordStep(midway, rp, cb, email, PASSWORD);
  const uid = interactionUid(page.url);
  const snapshot = async () => ({
    user: await t.gh.deps.db.selectFrom('users').select(['password_hash', 'sessions_valid_after', 'name']).where('id', '=', user.id).executeTakeFirstOrThrow(),
    methods: (await t.gh.deps.db.selectFrom('mfa_methods').select('id').where('user_id', '=', user.id).execute()).length,
    snooze: await t.gh.deps.db.selectFrom('mfa_state').selectAll().where('user_id', '=', user.id).executeTakeFirst(),
  });
  const before = await snapshot();
  for (const route of posts) {
    const path = route.replace(':uid', uid).replace(':id', 'x');
    if (t.gh.http.hasRoute({ method: 'GET', url: route })) continue; // a page of its own at that path (its GET is tested as a page)
    for (const ua of [settled, midway]) {
      const res = await ua.fetch(`${t.issuer}${path}`);
      await res.arrayBuffer();
      assert.equal(res.status, 404, `GET ${route} answers ${res.status}`);
    }
  }
  assert.deepEqual(await snapshot(), before, 'nothing changed');
  const account = await settled.go(`${t.issuer}/account`);
  assert.equal(account.url, `${t.issuer}/account`, 'the signed-in browser is still signed in');
});
