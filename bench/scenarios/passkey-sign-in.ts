import { alternate, runLoad, type RoundResult } from '../lib/rounds.ts';
import { errorRows, storeRow } from '../lib/rows.ts';
import { anatomy } from '../lib/anatomy.ts';
import { signIn, type RelyingParty, type Trace } from '../lib/oidc.ts';
import { assertion, newPasskeyKey, type SoftPasskey } from '../lib/webauthn.ts';
import { BENCH_PASSWORD, BENCH_REDIRECT_URI, type PasskeyFixture } from '../lib/fixtures.ts';
import { fmt, verdict, type Scenario } from '../lib/scenario.ts';
import { SECOND_FACTOR_BUDGET_MS } from './totp-sign-in.ts';

/**
 * Passkey sign-ins through the code flow, usernameless: /authorize, the sign-in page's "Sign in
 * with a passkey" (the load generator signs the page's WebAuthn challenge with its own P-256 key,
 * user verified: both factors at once), the token exchange. Its physical limit is one ES256
 * signature verification; beside it, in the same alternating rounds, the password-only sign-in
 * and argon2id verify, so that what each path costs around its cryptography can be compared.
 */
export const passkeySignIn: Scenario = {
  id: 'passkey-sign-in',
  title: 'Passkey sign-in (authorization code + PKCE, usernameless)',
  async run(ctx) {
    const { vus, seconds, rounds } = ctx.options;
    const password = await ctx.passwordFixture();
    const es256 = ctx.es256();
    // A passkey per account, two accounts per virtual user; the signature counter stays 0, as synced passkeys report.
    const keys = Array.from({ length: vus * 2 }, () => newPasskeyKey());
    const seeded = await ctx.gatehouse.child.call<PasskeyFixture>('seed', { module: 'passkey-users', args: { keys: keys.map((k) => ({ id: k.id, publicKey: k.cose })), password: BENCH_PASSWORD } });
    const passkeys: SoftPasskey[] = keys.map((k, i) => ({ id: k.id, privateKey: k.privateKey, userId: seeded.userIds[i]! }));
    const rp: RelyingParty = { issuer: ctx.gatehouse.issuer, clientId: password.clientId, clientSecret: password.clientSecret, redirectUri: BENCH_REDIRECT_URI };
    const origin = new URL(ctx.gatehouse.issuer).origin;
    const turn = new Array<number>(vus).fill(0);
    const next = (vu: number) => (vu + vus * turn[vu]!++) % passkeys.length;
    const withPasskey = (vu: number, trace?: Trace) => {
      const key = passkeys[next(vu)]!;
      return signIn(rp, { passkey: (challenge) => assertion(key, challenge, origin) }, {}, trace);
    };
    const account = (vu: number) => ({ email: password.emails[(vu + vus * turn[vu]!++) % password.emails.length]!, password: BENCH_PASSWORD });

    const s = await alternate(
      {
        passkey: () => runLoad(ctx.gatehouse.child, vus, seconds, async (vu) => void (await withPasskey(vu))),
        'ES256 verify': () => es256.call<RoundResult>('run', { seconds, concurrency: vus }),
        'password only': () => runLoad(ctx.gatehouse.child, vus, seconds, async (vu) => void (await signIn(rp, account(vu)))),
        'argon2id verify': () => ctx.argon2.call<RoundResult>('run', { seconds, concurrency: vus }),
      },
      rounds,
      ctx.log,
    );
    if (ctx.options.anatomy) {
      ctx.report(`### One passkey sign-in, step by step (Gatehouse, 20 sequential sign-ins)\n\n${await anatomy(ctx.gatehouse.child, 20, async (trace) => void (await withPasskey(0, trace)))}`);
    }
    const k = s.passkey;
    const e = s['ES256 verify'];
    const p = s['password only'];
    const a = s['argon2id verify'];
    const passkeyBeyond = k.serverCpuMsPerOp - e.serverCpuMsPerOp;
    const passwordBeyond = p.serverCpuMsPerOp - a.serverCpuMsPerOp;
    const added = passkeyBeyond - passwordBeyond;
    return [
      {
        measurement: 'Passkey sign-ins, code flow + PKCE (Gatehouse)',
        value: fmt.rate(k.perSecond),
        reference: `ES256 verifies ${fmt.rate(e.perSecond)}`,
        ratio: fmt.ratio(k.perSecond / e.perSecond),
        target: 'context',
        result: 'info',
      },
      {
        measurement: 'Server CPU per passkey sign-in beyond the signature check',
        value: `${fmt.ms(passkeyBeyond)} (${fmt.ms(k.serverCpuMsPerOp)} total)`,
        reference: `ES256 verify ${fmt.ms(e.serverCpuMsPerOp)} CPU`,
        ratio: '',
        target: 'context',
        result: 'info',
      },
      {
        measurement: 'CPU the passkey path adds beyond the password path (each beyond its crypto)',
        value: fmt.ms(added),
        reference: `password-only ${fmt.ms(passwordBeyond)} beyond argon2id (${fmt.ms(p.serverCpuMsPerOp)} total), same rounds`,
        ratio: '',
        target: `≤ ${SECOND_FACTOR_BUDGET_MS} ms`,
        result: k.errors ? 'FAIL' : verdict(added <= SECOND_FACTOR_BUDGET_MS),
      },
      storeRow('passkey sign-in', k),
      ...errorRows('sign-in', { passkey: k, 'password only': p }),
    ];
  },
};
