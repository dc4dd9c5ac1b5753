import { alternate, runLoad, type RoundResult } from '../lib/rounds.ts';
import { errorRows, storeRow } from '../lib/rows.ts';
import { anatomy } from '../lib/anatomy.ts';
import { signIn, type RelyingParty } from '../lib/oidc.ts';
import { BENCH_PASSWORD, BENCH_REDIRECT_URI } from '../lib/fixtures.ts';
import { fmt, verdict, type Scenario } from '../lib/scenario.ts';

/**
 * (a) Full password sign-ins through the authorization code flow — a fresh browser each time:
 * /authorize with PKCE, email form, password form, code, token exchange — beside the raw argon2id
 * verify loop with the same parameters on the same cores (the physical limit: each sign-in costs
 * one verify), and, for context, a bare oidc-provider with a one-page password form.
 */
export const passwordSignIn: Scenario = {
  id: 'password-sign-in',
  title: 'Password sign-in (authorization code + PKCE)',
  async run(ctx) {
    const { vus, seconds, rounds } = ctx.options;
    const fixture = await ctx.passwordFixture();
    const reference = await ctx.reference();
    const rp = (issuer: string): RelyingParty => ({ issuer, clientId: fixture.clientId, clientSecret: fixture.clientSecret, redirectUri: BENCH_REDIRECT_URI });
    const gatehouseRp = rp(ctx.gatehouse.issuer);
    const referenceRp = rp(reference.issuer);
    // Each virtual user cycles through its own accounts: no two sign-ins share an account at once.
    const turn = new Array<number>(vus).fill(0);
    const account = (vu: number) => ({ email: fixture.emails[(vu + vus * turn[vu]!++) % fixture.emails.length]!, password: BENCH_PASSWORD });

    const s = await alternate(
      {
        gatehouse: () => runLoad(ctx.gatehouse.child, vus, seconds, async (vu) => void (await signIn(gatehouseRp, account(vu)))),
        'argon2id verify': () => ctx.argon2.call<RoundResult>('run', { seconds, concurrency: vus }),
        'bare oidc-provider': () => runLoad(reference.child, vus, seconds, async (vu) => void (await signIn(referenceRp, account(vu)))),
      },
      rounds,
      ctx.log,
    );
    if (ctx.options.anatomy) {
      const steps = async (name: string, child: typeof reference.child, r: RelyingParty) =>
        ctx.report(`### One sign-in, step by step (${name}, 20 sequential sign-ins)\n\n${await anatomy(child, 20, async (trace) => void (await signIn(r, account(0), {}, trace)))}`);
      await steps('Gatehouse', ctx.gatehouse.child, gatehouseRp);
      await steps('bare oidc-provider', reference.child, referenceRp);
    }
    const g = s.gatehouse;
    const a = s['argon2id verify'];
    const b = s['bare oidc-provider'];
    const ratio = g.perSecond / a.perSecond;
    const beyond = g.serverCpuMsPerOp - a.serverCpuMsPerOp;
    const bareBeyond = b.serverCpuMsPerOp - a.serverCpuMsPerOp;
    return [
      {
        measurement: 'Password sign-ins, code flow + PKCE (Gatehouse)',
        value: fmt.rate(g.perSecond),
        reference: `argon2id verifies ${fmt.rate(a.perSecond)}`,
        ratio: fmt.ratio(ratio),
        target: '≥ 0.6',
        result: g.errors ? 'FAIL' : verdict(ratio >= 0.6),
      },
      {
        measurement: 'Server CPU per sign-in beyond the hash (Gatehouse)',
        value: `${fmt.ms(beyond)} (${fmt.ms(g.serverCpuMsPerOp)} total)`,
        reference: `argon2id verify ${fmt.ms(a.serverCpuMsPerOp)} CPU`,
        ratio: '',
        target: '≤ 5 ms',
        result: verdict(beyond <= 5),
      },
      {
        measurement: 'Password sign-ins (bare oidc-provider, one-page form)',
        value: fmt.rate(b.perSecond),
        reference: `argon2id verifies ${fmt.rate(a.perSecond)}`,
        ratio: fmt.ratio(b.perSecond / a.perSecond),
        target: 'context',
        result: 'info',
      },
      {
        measurement: 'Server CPU per sign-in beyond the hash (bare oidc-provider)',
        value: `${fmt.ms(bareBeyond)} (${fmt.ms(b.serverCpuMsPerOp)} total)`,
        reference: `argon2id verify ${fmt.ms(a.serverCpuMsPerOp)} CPU`,
        ratio: '',
        target: 'context',
        result: 'info',
      },
      {
        measurement: 'Load generator CPU per sign-in (Gatehouse / bare)',
        value: `${fmt.ms(g.generatorCpuMsPerOp)} / ${fmt.ms(b.generatorCpuMsPerOp)}`,
        reference: `server busy ${g.serverCores.toFixed(2)} / ${b.serverCores.toFixed(2)} cores`,
        ratio: '',
        target: 'context',
        result: 'info',
      },
      storeRow('sign-in', g),
      ...errorRows('sign-in', { gatehouse: g, 'bare oidc-provider': b }),
    ];
  },
};
