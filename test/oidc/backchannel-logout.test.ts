import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { startBackchannelReceiver } from '../helpers/backchannel.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, remoteJwks, signInWithPassword } from '../helpers/oidc-client.ts';

let t: TestGatehouse;
let receiverA: Awaited<ReturnType<typeof startBackchannelReceiver>>;
let receiverB: Awaited<ReturnType<typeof startBackchannelReceiver>>;
const cbA = 'http://127.0.0.1:9/a/cb';
const cbB = 'http://127.0.0.1:9/b/cb';
const password = 'correct horse battery staple';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

before(async () => {
  t = await startTestGatehouse();
  receiverA = await startBackchannelReceiver();
  receiverB = await startBackchannelReceiver();
});
after(async () => {
  await t.close();
  await receiverA.close();
  await receiverB.close();
});

test('signing out at Gatehouse sends each app of the session a signed logout token naming its sid', async () => {
  const appA = await t.createApp({ redirectUris: [cbA], backchannelLogoutUri: receiverA.url });
  const appB = await t.createApp({ redirectUris: [cbB], backchannelLogoutUri: receiverB.url });
  const user = await t.createUser('bcl@example.com', password);
  const rpA = await relyingParty(t.issuer, appA.clientId, appA.clientSecret);
  const rpB = await relyingParty(t.issuer, appB.clientId, appB.clientSecret);
  const ua = new UserAgent();
  const idA = (await signInWithPassword(ua, rpA, cbA, 'bcl@example.com', password)).tokens;
  const idB = (await signInWithPassword(ua, rpB, cbB, 'bcl@example.com', password)).tokens;
  assert.equal(receiverA.tokens.length + receiverB.tokens.length, 0);

  await ua.go(client.buildEndSessionUrl(rpA, { id_token_hint: idA.id_token! }).href);
  const done = await ua.submit('/logout/confirm', { logout: 'yes' });
  assert.equal(done.status, 200, 'the signed-out page');

  for (const [receiver, rp, app, tokens] of [
    [receiverA, rpA, appA, idA],
    [receiverB, rpB, appB, idB],
  ] as const) {
    const logoutToken = await receiver.waitFor(1);
    assert.equal(decodeProtectedHeader(logoutToken).typ, 'logout+jwt');
    // What the app must check (Back-Channel Logout §2.6): signature, iss, aud, iat, events, sid/sub, no nonce.
    const { payload } = await jwtVerify(logoutToken, remoteJwks(rp), { issuer: t.issuer, audience: app.clientId, algorithms: ['ES256'] });
    assert.deepEqual(payload.events, { [BACKCHANNEL_EVENT]: {} });
    assert.equal(payload.sub, user.id);
    assert.equal(typeof payload.sid, 'string');
    assert.equal(payload.sid, tokens.claims()!.sid, 'the sid of the ID token the app holds');
    assert.equal(payload.nonce, undefined);
    assert.equal(typeof payload.jti, 'string');
    assert.equal(typeof payload.iat, 'number');
  }
  assert.notEqual(decodeJwt(receiverA.tokens[0]!).jti, decodeJwt(receiverB.tokens[0]!).jti);
});
