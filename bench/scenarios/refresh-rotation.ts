import { alternate, runLoad } from '../lib/rounds.ts';
import { refresh, signIn, type RelyingParty } from '../lib/oidc.ts';
import { BENCH_PASSWORD, BENCH_REDIRECT_URI } from '../lib/fixtures.ts';
import { fmt, verdict, type Scenario } from '../lib/scenario.ts';
import { errorRows, storeRow } from '../lib/rows.ts';

/**
 * (b) Refresh-token grants with rotation (each answer carries a new refresh token, an ES256 ID
 * token and an access token) on Gatehouse's store, beside a bare oidc-provider with the same key
 * and its in-memory adapter: the store must not be the bottleneck.
 */
export const refreshRotation: Scenario = {
  id: 'refresh-rotation',
  title: 'Refresh-token grants with rotation',
  async run(ctx) {
    const { vus, seconds, rounds } = ctx.options;
    const fixture = await ctx.passwordFixture();
    const reference = await ctx.reference();
    const rp = (issuer: string): RelyingParty => ({ issuer, clientId: fixture.clientId, clientSecret: fixture.clientSecret, redirectUri: BENCH_REDIRECT_URI });
    const gatehouseRp = rp(ctx.gatehouse.issuer);
    const referenceRp = rp(reference.issuer);

    // One refresh token per virtual user and side, each for an account of its own. Gatehouse asks
    // first-party apps' consent itself; the bare provider needs prompt=consent for offline_access.
    const scope = 'openid email profile offline_access';
    const tokensFor = (r: RelyingParty, extra: Record<string, string>) =>
      Promise.all(Array.from({ length: vus }, async (_, vu) => {
        const t = await signIn(r, { email: fixture.emails[vu % fixture.emails.length]!, password: BENCH_PASSWORD }, { scope, ...extra });
        if (!t.refresh_token) throw new Error(`${r.issuer} issued no refresh token for offline_access`);
        return t.refresh_token;
      }));
    const gatehouseTokens = await tokensFor(gatehouseRp, {});
    const referenceTokens = await tokensFor(referenceRp, { prompt: 'consent' });

    const s = await alternate(
      {
        gatehouse: () => runLoad(ctx.gatehouse.child, vus, seconds, async (vu) => {
          gatehouseTokens[vu] = (await refresh(gatehouseRp, gatehouseTokens[vu]!)).refresh_token!;
        }),
        'bare oidc-provider': () => runLoad(reference.child, vus, seconds, async (vu) => {
          referenceTokens[vu] = (await refresh(referenceRp, referenceTokens[vu]!)).refresh_token!;
        }),
      },
      rounds,
      ctx.log,
    );
    const g = s.gatehouse;
    const b = s['bare oidc-provider'];
    const ratio = g.perSecond / b.perSecond;
    return [
      {
        measurement: 'Refresh grants with rotation (Gatehouse)',
        value: fmt.rate(g.perSecond),
        reference: `bare oidc-provider ${fmt.rate(b.perSecond)}`,
        ratio: fmt.ratio(ratio),
        target: '≥ 0.7',
        result: g.errors ? 'FAIL' : verdict(ratio >= 0.7),
      },
      {
        measurement: 'Server CPU per refresh grant (Gatehouse)',
        value: fmt.ms(g.serverCpuMsPerOp),
        reference: `bare oidc-provider ${fmt.ms(b.serverCpuMsPerOp)}`,
        ratio: fmt.ratio(g.serverCpuMsPerOp / b.serverCpuMsPerOp),
        target: 'context',
        result: 'info',
      },
      {
        measurement: 'Load generator CPU per refresh grant (Gatehouse / bare)',
        value: `${fmt.ms(g.generatorCpuMsPerOp)} / ${fmt.ms(b.generatorCpuMsPerOp)}`,
        reference: `server busy ${g.serverCores.toFixed(2)} / ${b.serverCores.toFixed(2)} cores`,
        ratio: '',
        target: 'context',
        result: 'info',
      },
      storeRow('refresh grant', g),
      ...errorRows('refresh grant', { gatehouse: g, 'bare oidc-provider': b }),
    ];
  },
};
