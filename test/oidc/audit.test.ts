import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { freePort } from '../helpers/ports.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, redeemCode, relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';

let t: TestGatehouse;
const redirectUri = 'http://127.0.0.1:9/cb';
const password = 'correct horse battery staple';

before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

/** Protocol events are audited from oidc-provider's event emitter, just after the response: wait for the row. */
async function auditRow(event: string, where: { userId?: string; clientId?: string }) {
  const deadline = Date.now() + 5000;
  for (;;) {
    let q = t.gh.deps.db.selectFrom('audit_events').selectAll().where('event', '=', event);
    if (where.userId) q = q.where('user_id', '=', where.userId);
    if (where.clientId) q = q.where('client_id', '=', where.clientId);
    const row = await q.executeTakeFirst();
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no audit event ${event}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('RP-initiated logout and a failed back-channel delivery are audited', async () => {
  // A back-channel endpoint where nothing listens: delivery fails, the sign-out still happens.
  const app = await t.createApp({ redirectUris: [redirectUri], backchannelLogoutUri: `http://127.0.0.1:${await freePort()}/bcl` });
  const user = await t.createUser('audit-logout@example.com', password);
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const ua = new UserAgent();
  const { tokens } = await signInWithPassword(ua, rp, redirectUri, 'audit-logout@example.com', password);
  await ua.go(client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token! }).href);
  const done = await ua.submit('/logout/confirm', { logout: 'yes' });
  assert.equal(done.status, 200);

  const signedOut = await auditRow('session.signed_out', { userId: user.id });
  assert.equal(signedOut.client_id, app.clientId);
  assert.ok(signedOut.ip);
  assert.match(String(signedOut.details), /rp_initiated_logout/);
  const failed = await auditRow('session.backchannel_logout.failed', { userId: user.id });
  assert.equal(failed.client_id, app.clientId);
});

test('a replayed authorization code is audited', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  await t.createUser('audit-replay@example.com', password);
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const ua = new UserAgent();
  await signInWithPassword(ua, rp, redirectUri, 'audit-replay@example.com', password);
  const { auth, page } = await authorize(ua, rp, redirectUri);
  await redeemCode(rp, auth, page.url);
  await assert.rejects(redeemCode(rp, auth, page.url));
  const row = await auditRow('oidc.token_replay', { clientId: app.clientId });
  assert.match(String(row.details), /authorization_code/);
});
