import type { RoundResult } from '../lib/rounds.ts';
import { percentile } from '../lib/percentile.ts';
import { CookieJar } from '../lib/http.ts';
import { signIn, type RelyingParty } from '../lib/oidc.ts';
import { TotpPool, type TotpAccount } from '../lib/totp-pool.ts';
import { BENCH_PASSWORD, BENCH_REDIRECT_URI, type TotpFixture } from '../lib/fixtures.ts';
import { fmt, type BenchContext, type Row, type Scenario } from '../lib/scenario.ts';
import { stepUpParams } from '../../src/demo/step-up.ts';

interface Session {
  account: TotpAccount;
  jar: CookieJar;
}

interface StepUps {
  wallMs: number[];
  cpuMs: number;
  statements: number;
  steps: string;
  errors: string[];
}

/**
 * Signs each account in once with a browser of its own (at `rp`, with its TOTP code when `withTotp`),
 * `vus` at a time. A sign-in that fails is left out of the step-ups and its error kept for a row.
 */
async function signedIn(ctx: BenchContext, rp: RelyingParty, accounts: TotpAccount[], withTotp: boolean, errors: string[]): Promise<Session[]> {
  const sessions: Session[] = [];
  for (let i = 0; i < accounts.length; i += ctx.options.vus) {
    await Promise.all(accounts.slice(i, i + ctx.options.vus).map(async (account) => {
      const jar = new CookieJar();
      try {
        await signIn(rp, { email: account.email, password: BENCH_PASSWORD, ...(withTotp ? { totp: account.code } : {}) }, {}, undefined, jar);
        sessions.push({ account, jar });
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }));
  }
  return sessions;
}

/** One step-up per session, one at a time: wall time of each round trip, server CPU and statements over them all. */
async function stepUps(ctx: BenchContext, rp: RelyingParty, sessions: Session[], params: Record<string, string>): Promise<StepUps> {
  const r: StepUps = { wallMs: [], cpuMs: 0, statements: 0, steps: '', errors: [] };
  const before = await ctx.gatehouse.child.stats();
  for (const s of sessions) {
    const labels: string[] = [];
    const t0 = performance.now();
    try {
      await signIn(rp, { email: s.account.email, password: BENCH_PASSWORD, totp: s.account.code }, params, async (label) => void labels.push(label), s.jar);
      if (!labels.some((l) => l.endsWith('/mfa'))) throw new Error(`no second factor asked: ${labels.join(' → ')}`);
      r.wallMs.push(performance.now() - t0);
      r.steps ||= labels.filter((l) => l !== 'end').join(' → ');
    } catch (err) {
      r.errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  const after = await ctx.gatehouse.child.stats();
  const done = Math.max(1, r.wallMs.length);
  r.cpuMs = (after.cpuMs - before.cpuMs) / done;
  r.statements = ((after.counters.queries ?? 0) - (before.counters.queries ?? 0)) / done;
  ctx.log(`step-up (${Object.keys(params).join(', ')}): ${r.steps}`);
  return r;
}

function rows(what: string, s: StepUps, limitMs: number, limit: string): Row[] {
  const asks = s.steps.includes('/password') ? 'password + TOTP' : 'TOTP';
  return [
    {
      measurement: `Step-up round trip, ${what}: server CPU (authorize → ${asks} → callback → token)`,
      value: fmt.ms(s.cpuMs),
      reference: `${limit}: ${fmt.ms(limitMs)} CPU`,
      ratio: fmt.ratio(s.cpuMs / limitMs),
      target: 'context',
      result: 'info',
    },
    {
      measurement: `Step-up round trip, ${what}: wall time, one at a time (p50 / p99)`,
      value: `${fmt.ms(percentile(s.wallMs, 0.5))} / ${fmt.ms(percentile(s.wallMs, 0.99))}`,
      reference: `${s.wallMs.length} step-ups, ${s.statements.toFixed(1)} store statements each`,
      ratio: '',
      target: 'context',
      result: 'info',
    },
    ...(s.errors.length
      ? [{ measurement: `Failed step-ups, ${what}`, value: `${s.errors.length}`, reference: s.errors[0]!.replace(/\s+/g, ' ').replace(/\|/g, '/').slice(0, 120), ratio: '', target: '0', result: 'FAIL' as const }]
      : []),
  ];
}

/**
 * Step-up round trips (issue 9), one at a time so that the wall time is the round trip's own:
 * - **fresh**: a browser signed in with password + TOTP at a Required app asks again with
 *   `acr_values` multi-factor and the action (src/demo/step-up.ts) and `max_age=0`, as the demo's
 *   "fresh sign-in" does. Gatehouse treats max_age=0 (like prompt=login) as re-authentication and
 *   asks for both factors again, so the physical limit has the argon2id verify in it.
 * - **second factor only**: a browser signed in with the password only (a Bypass app) asks with
 *   `acr_values` multi-factor and the action, as the demo's sensitive action does: the challenge
 *   page and the code only.
 * Each beside its physical limit, measured here: argon2id verify (fresh only), one ES256 signature
 * (the ID token) and one HMAC-SHA1 (the TOTP code, ~0.01 ms, not measured).
 */
export const stepUp: Scenario = {
  id: 'step-up',
  title: 'Step-up round trips (acr_values multi-factor; with max_age=0, and second factor only)',
  async run(ctx) {
    const n = 30 * ctx.options.rounds;
    const password = await ctx.passwordFixture();
    const f = await ctx.gatehouse.child.call<TotpFixture>('seed', { module: 'totp-users', args: { count: 2 * n, password: BENCH_PASSWORD, redirectUri: BENCH_REDIRECT_URI, prefix: 'stepup' } });
    const required: RelyingParty = { issuer: ctx.gatehouse.issuer, clientId: f.clientId, clientSecret: f.clientSecret, redirectUri: BENCH_REDIRECT_URI };
    const bypass: RelyingParty = { ...required, clientId: password.clientId, clientSecret: password.clientSecret };
    // Each account signs in once and steps up once: at most two of its 30-s codes (current and next).
    const pool = new TotpPool(f.users);
    const accounts = await Promise.all(f.users.map(() => pool.take()));
    const action = stepUpParams('Change bank details');
    const setupErrors: string[] = [];
    const fresh = await stepUps(ctx, required, await signedIn(ctx, required, accounts.slice(0, n), true, setupErrors), { ...action, max_age: '0' });
    const secondOnly = await stepUps(ctx, required, await signedIn(ctx, bypass, accounts.slice(n), false, setupErrors), action);

    const sign = await ctx.es256().call<RoundResult>('run', { seconds: 1, concurrency: 1, op: 'sign' });
    const argon2 = await ctx.argon2.call<RoundResult>('run', { seconds: 1, concurrency: 1 });
    const signMs = sign.serverCpuMs / sign.ops;
    const argon2Ms = argon2.serverCpuMs / argon2.ops;
    return [
      ...rows('fresh (password + TOTP session, max_age=0)', fresh, argon2Ms + signMs, 'argon2id verify + ES256 sign (ID token)'),
      ...rows('second factor only (password session, acr_values)', secondOnly, signMs, 'ES256 sign (ID token; the TOTP HMAC, ≈ 0.01 ms, left out)'),
      ...(setupErrors.length
        ? [{ measurement: 'Sign-ins before a step-up that failed (left out)', value: `${setupErrors.length} of ${2 * n}`, reference: setupErrors[0]!.replace(/\s+/g, ' ').replace(/\|/g, '/').slice(0, 120), ratio: '', target: '0', result: 'FAIL' as const }]
        : []),
    ];
  },
};
