import { alternate, runLoad, type RoundResult } from '../lib/rounds.ts';
import { errorRows, storeRow } from '../lib/rows.ts';
import { anatomy } from '../lib/anatomy.ts';
import { signIn, type RelyingParty } from '../lib/oidc.ts';
import { TotpPool } from '../lib/totp-pool.ts';
import { BENCH_PASSWORD, BENCH_REDIRECT_URI, type TotpFixture } from '../lib/fixtures.ts';
import { fmt, verdict, type Scenario } from '../lib/scenario.ts';

/** Target of the 2FA issue: the second factor adds at most this much server CPU to a sign-in. */
export const SECOND_FACTOR_BUDGET_MS = 2;

/**
 * Password + authenticator-app code (TOTP) sign-ins through the code flow, at an app whose
 * policy is Required: /authorize, email, password, the 2FA challenge page, the code, the token
 * exchange. Beside it, in the same alternating rounds, the password-only sign-in (the Bypass app,
 * accounts without 2FA) and the raw argon2id verify loop, so the CPU the second factor adds is
 * the difference of two measurements taken under the same conditions.
 */
export const totpSignIn: Scenario = {
  id: 'totp-sign-in',
  title: 'Password + TOTP sign-in (authorization code + PKCE)',
  async run(ctx) {
    const { vus, seconds, rounds } = ctx.options;
    const password = await ctx.passwordFixture();
    // Each account can sign in about once per 30-second step (see TotpPool): enough for every round.
    const totp = await ctx.gatehouse.child.call<TotpFixture>('seed', { module: 'totp-users', args: { count: Math.max(600, vus * 40), password: BENCH_PASSWORD, redirectUri: BENCH_REDIRECT_URI } });
    const rp = (clientId: string, clientSecret: string): RelyingParty => ({ issuer: ctx.gatehouse.issuer, clientId, clientSecret, redirectUri: BENCH_REDIRECT_URI });
    const totpRp = rp(totp.clientId, totp.clientSecret);
    const passwordRp = rp(password.clientId, password.clientSecret);
    const pool = new TotpPool(totp.users);
    const withTotp = async (trace?: Parameters<typeof signIn>[3]) => {
      const a = await pool.take();
      try {
        await signIn(totpRp, { email: a.email, password: BENCH_PASSWORD, totp: a.code }, {}, trace);
      } finally {
        a.release();
      }
    };
    const turn = new Array<number>(vus).fill(0);
    const account = (vu: number) => ({ email: password.emails[(vu + vus * turn[vu]!++) % password.emails.length]!, password: BENCH_PASSWORD });

    const s = await alternate(
      {
        'password + TOTP': () => runLoad(ctx.gatehouse.child, vus, seconds, () => withTotp()),
        'password only': () => runLoad(ctx.gatehouse.child, vus, seconds, async (vu) => void (await signIn(passwordRp, account(vu)))),
        'argon2id verify': () => ctx.argon2.call<RoundResult>('run', { seconds, concurrency: vus }),
      },
      rounds,
      ctx.log,
    );
    if (pool.waitedMs > 0) ctx.log(`TOTP accounts ran out of unused steps: waited ${(pool.waitedMs / 1000).toFixed(1)} s in total (seed more accounts)`);
    if (ctx.options.anatomy) {
      ctx.report(`### One password + TOTP sign-in, step by step (Gatehouse, 20 sequential sign-ins)\n\n${await anatomy(ctx.gatehouse.child, 20, (trace) => withTotp(trace))}`);
    }
    const t = s['password + TOTP'];
    const p = s['password only'];
    const a = s['argon2id verify'];
    const added = t.serverCpuMsPerOp - p.serverCpuMsPerOp;
    return [
      {
        measurement: 'Password + TOTP sign-ins, code flow + PKCE (Gatehouse, Required app)',
        value: fmt.rate(t.perSecond),
        reference: `argon2id verifies ${fmt.rate(a.perSecond)}`,
        ratio: fmt.ratio(t.perSecond / a.perSecond),
        target: 'context',
        result: 'info',
      },
      {
        measurement: 'Server CPU per password + TOTP sign-in beyond the hash',
        value: `${fmt.ms(t.serverCpuMsPerOp - a.serverCpuMsPerOp)} (${fmt.ms(t.serverCpuMsPerOp)} total)`,
        reference: `argon2id verify ${fmt.ms(a.serverCpuMsPerOp)} CPU`,
        ratio: '',
        target: 'context',
        result: 'info',
      },
      {
        measurement: 'CPU the TOTP second factor adds per sign-in',
        value: fmt.ms(added),
        reference: `password-only sign-in ${fmt.ms(p.serverCpuMsPerOp)} CPU (${fmt.rate(p.perSecond)}), same rounds`,
        ratio: '',
        target: `≤ ${SECOND_FACTOR_BUDGET_MS} ms`,
        result: t.errors ? 'FAIL' : verdict(added <= SECOND_FACTOR_BUDGET_MS),
      },
      storeRow('password + TOTP sign-in', t),
      ...errorRows('sign-in', { 'password + TOTP': t, 'password only': p }),
    ];
  },
};
