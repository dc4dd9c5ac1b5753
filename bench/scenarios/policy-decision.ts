import { verdict, type BenchContext, type Row, type Scenario } from '../lib/scenario.ts';
import type { DecisionKind, DecisionTiming } from '../servers/probes/policy-decision.ts';

/** Issue 9's target: a policy decision, checks included, within this at p99. */
export const POLICY_P99_MS = 0.2;

const ms3 = (n: number) => `${n.toFixed(3)} ms`;

async function timed(ctx: BenchContext, kind: DecisionKind, n: number): Promise<DecisionTiming & { statements: number }> {
  const before = await ctx.gatehouse.child.stats();
  const t = await ctx.gatehouse.child.call<DecisionTiming>('probe', { module: 'policy-decision', args: { n, kind } });
  const after = await ctx.gatehouse.child.stats();
  // Warm-up calls run the same statements: counted over every call made.
  const calls = n + Math.min(500, n);
  ctx.log(`${kind}: p50 ${ms3(t.p50)}, p99 ${ms3(t.p99)}, CPU ${ms3(t.cpuMs)} per decision; last: ${t.last}`);
  return { ...t, statements: ((after.counters.queries ?? 0) - (before.counters.queries ?? 0)) / calls };
}

/**
 * The policy decision of a sign-in timed inside the Gatehouse process (servers/probes/policy-decision.ts):
 * `signInRequirementFor` one call at a time, for an Adaptive app where the risk is assessed and for a
 * Required app, and the risk assessment alone. Wall time per call is on a shared machine, so the
 * CPU per call is shown beside it.
 */
export const policyDecision: Scenario = {
  id: 'policy-decision',
  title: 'Policy decision (signInRequirementFor, checks included)',
  async run(ctx) {
    const n = 1000 * ctx.options.rounds;
    // The process warms up on every kind first (servers/probes/policy-decision.ts), uncounted.
    await ctx.gatehouse.child.call('probe', { module: 'policy-decision', args: { n: 0, kind: 'warm-up' } });
    const adaptive = await timed(ctx, 'adaptive', n);
    const required = await timed(ctx, 'required', n);
    const risk = await timed(ctx, 'risk', n);
    const row = (what: string, t: DecisionTiming & { statements: number }, target: boolean): Row => ({
      measurement: `Policy decision, ${what} (p50 / p99)`,
      value: `${ms3(t.p50)} / ${ms3(t.p99)}`,
      reference: `CPU ${ms3(t.cpuMs)} per decision, ${t.statements.toFixed(1)} store statements; ${t.n} decisions one at a time`,
      ratio: '',
      target: target ? `p99 < ${POLICY_P99_MS} ms` : 'context',
      result: target ? verdict(t.p99 < POLICY_P99_MS) : 'info',
    });
    return [
      row('Adaptive app, person with 2FA, risk assessed (signInRequirementFor)', adaptive, true),
      row('Required app, person with 2FA (signInRequirementFor)', required, true),
      row('the risk checks alone (assessRisk)', risk, false),
    ];
  },
};
