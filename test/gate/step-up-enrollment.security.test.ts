import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize } from '../helpers/oidc-client.ts';
import { FakeClock, finish, interactionUid, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { acrOfFirstCode, atApp, CALLBACKS, codeAt, csrfToken, errorAt, isTotpChallenge, isWizard, methodRows, PASSWORD, payrollAndDirectory, personWithTotp, probeWizard } from './support.ts';

// SECURITY.md "Flows and sessions": a person who has a second factor never reaches enrollment
// without first proving one of them in the same flow — not through a step-up that no method can meet.
// A person with an authenticator app only; the app asks for phishing-resistant authentication.
const clock = new FakeClock();
let t: TestGatehouse;
let required: client.Configuration;
let bypass: client.Configuration;
const cb = CALLBACKS;

before(async () => {
  ({ t, required, bypass } = await payrollAndDirectory(clock));
});
after(async () => {
  await t.close();
});

const phishingResistant = { acr_values: ACR.phishingResistant };
const essentialPhishingResistant = { claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR.phishingResistant } } }) };

interface Variant {
  name: string;
  app: 'required' | 'bypass';
  extra: Record<string, string>;
  /** The attacker's browser first signs in to the Bypass app with the password (a one-factor session), then the app asks. */
  sso?: boolean;
}

const variants: Variant[] = [
  { name: 'acr_values=phishing-resistant at a Required app', app: 'required', extra: phishingResistant },
  { name: 'an essential phishing-resistant acr in the claims parameter', app: 'required', extra: essentialPhishingResistant },
  { name: 'acr_values=phishing-resistant at a Bypass app', app: 'bypass', extra: phishingResistant },
  { name: 'single sign-on from a password-only session (Bypass app), then acr_values=phishing-resistant', app: 'required', extra: phishingResistant, sso: true },
];

let n = 0;
for (const v of variants) {
  // Today: the wizard opens right after the password (the challenge offers only phishing-resistant
  // methods, the person has none, so Gatehouse sends the flow to enrollment). The attacker enrolls an
  // authenticator app of their own: it becomes an ACTIVE method of the person, and a later sign-in to
  // Payroll with the password and the attacker's code gets a multi-factor ID token. (The phishing-
  // resistant request itself never returns: it lands in the wizard again.) Fails at "the page after
  // the password is the second-factor challenge"; the message tells the rest of the story.
  test(`step-up into the wizard, ${v.name}: someone with only the password gets the challenge, never the wizard`, async () => {
    const email = `stepup-${++n}@example.com`;
    const { userId } = await personWithTotp(t, required, cb.required, email, clock);
    const rowsBefore = await methodRows(t, userId);
    const rp = v.app === 'required' ? required : bypass;
    const redirectUri = cb[v.app];

    const attacker = new UserAgent();
    let started;
    if (v.sso) {
      const one = await passwordStep(attacker, bypass, cb.bypass, email, PASSWORD);
      assert.ok(one.returned, 'precondition: the Bypass app signs in with the password alone');
      started = await authorize(attacker, rp, redirectUri, v.extra);
    } else {
      started = await passwordStep(attacker, rp, redirectUri, email, PASSWORD, v.extra);
    }
    const afterPassword = started.page;
    assert.ok(!codeAt(afterPassword.url, redirectUri), `no code after the password alone (${afterPassword.url})`);
    const uid = interactionUid(afterPassword.url);
    const attack = await probeWizard(attacker, t, uid, redirectUri, clock);
    const acr = await acrOfFirstCode(rp, started.auth, attack.atApp);
    const rowsAfter = await methodRows(t, userId);
    // Whatever the wizard handed out: does it now work as the person's second factor elsewhere?
    let takeover: string | undefined;
    if (attack.secret) {
      clock.nextStep();
      const again = new UserAgent();
      const s = await passwordStep(again, required, cb.required, email, PASSWORD);
      const done = isTotpChallenge(s.page.body) ? await submitCode(again, cb.required, totpCode(attack.secret, clock.now())) : s.page;
      if (codeAt(done.url, cb.required)) takeover = String((await finish(required, s.auth, done.url)).claims.acr);
    }
    const story = `after the password: ${afterPassword.url.replace(t.issuer, '')} (${isWizard(afterPassword.body) ? 'the wizard' : afterPassword.status}); ` +
      `GET /enroll ${attack.get.status}${attack.get.showsWizard ? ' showed the wizard' : ''}; methods ${JSON.stringify(rowsBefore.map((r) => r.type))} -> ${JSON.stringify(rowsAfter.map((r) => `${r.type}:${r.status}`))}; ` +
      `redirects to the app: ${attack.atApp.length}${acr ? `, ID token acr ${acr}` : ''}` +
      `${takeover ? `; afterwards the attacker's own authenticator app signs in to Payroll (acr ${takeover})` : ''}`;

    assert.ok(isTotpChallenge(afterPassword.body), `the page after the password is the second-factor challenge — ${story}`);
    assert.ok(!isWizard(afterPassword.body), `not the wizard — ${story}`);
    assert.equal(attack.get.showsWizard, false, `GET /enroll does not show the wizard — ${story}`);
    assert.ok(attack.get.status >= 300 && attack.get.status < 400 && !/\/enroll$/.test(attack.get.location ?? ''), `GET /enroll redirects away — ${story}`);
    assert.deepEqual(rowsAfter, rowsBefore, `no method was added, pending or active — ${story}`);
    assert.equal(takeover, undefined, `the wizard handed out no authenticator app that signs in as the person — ${story}`);
    assert.deepEqual(attack.atApp.filter((u) => codeAt(u, redirectUri)), [], `no authorization code reached the redirect_uri — ${story}`);
    assert.equal(acr, undefined, `no ID token at all without the code — ${story}`);
  });
}

for (const [name, extra] of [['acr_values', phishingResistant], ['the claims parameter', essentialPhishingResistant]] as const) {
  // Today: the wizard opens right after the password, before any proof of the authenticator app;
  // fails at "the page after the password is the second-factor challenge".
  test(`step-up (${name}) that no method of the person meets: the wizard opens only after the TOTP code, for a security key only; cancelling tells the app unmet_authentication_requirements`, async () => {
    const email = `owner-${++n}@example.com`;
    const { userId, secret } = await personWithTotp(t, required, cb.required, email, clock);
    const rowsBefore = await methodRows(t, userId);
    const ua = new UserAgent();
    const { page } = await passwordStep(ua, required, cb.required, email, PASSWORD, extra);
    assert.ok(isTotpChallenge(page.body), `the page after the password is the second-factor challenge, got ${page.url} (${isWizard(page.body) ? 'the wizard' : page.status})`);
    const uid = interactionUid(page.url);
    const wizardUrl = `${t.issuer}/interaction/${uid}/enroll`;

    const early = await ua.fetch(wizardUrl);
    await early.arrayBuffer();
    assert.ok(early.status >= 300 && early.status < 400, `before the code the wizard redirects away (${early.status})`);
    assert.ok(!/\/enroll$/.test(early.headers.get('location') ?? ''), 'not to itself');
    const back = await ua.go(`${t.issuer}/interaction/${uid}`);
    assert.ok(isTotpChallenge(back.body), 'still at the challenge');

    // The person proves their authenticator app: that still does not meet the requirement.
    const proven = await submitCode(ua, cb.required, totpCode(secret, clock.now()));
    clock.nextStep();
    assert.equal(codeAt(proven.url, cb.required), undefined, 'an authenticator app is not phishing-resistant: no code');

    // Now, and only now, the wizard opens: for a security key, not for another authenticator app.
    const wizard = await ua.go(wizardUrl);
    assert.equal(wizard.url, wizardUrl, `after the code the wizard is reachable (${wizard.url})`);
    assert.ok(isWizard(wizard.body), 'the wizard is shown');
    // The form token of this sign-in (tokens are bound to the interaction they were shown in).
    const csrf = /name="csrf" value="([^"]+)"/.exec(wizard.body)?.[1] ?? '';
    if (/\/enroll\/start"/.test(wizard.body)) await ua.go(`${wizardUrl}/start`, { method: 'POST', form: { csrf } });
    await ua.go(`${wizardUrl}/choose`, { method: 'POST', form: { csrf, method: 'totp' } });
    assert.deepEqual(await methodRows(t, userId), rowsBefore, 'an authenticator app cannot be added here: it would not meet the requirement');
    const key = await ua.go(`${wizardUrl}/choose`, { method: 'POST', form: { csrf, method: 'security-key' } }, atApp(cb.required));
    assert.match(key.body, /Add your security key/, `a security key can be set up (${key.url})`);

    // The person cancels instead: the app is told its requirement could not be met.
    const cancelled = await ua.go(`${t.issuer}/interaction/${uid}/abort`, { method: 'POST', form: { csrf } }, atApp(cb.required));
    assert.ok(cancelled.url.startsWith(cb.required), `cancelling returns to the app (${cancelled.url})`);
    assert.equal(codeAt(cancelled.url, cb.required), undefined);
    assert.equal(errorAt(cancelled.url, cb.required), 'unmet_authentication_requirements');
    assert.deepEqual((await methodRows(t, userId)).filter((r) => r.status === 'active'), rowsBefore.filter((r) => r.status === 'active'), 'no method was activated');
  });
}
