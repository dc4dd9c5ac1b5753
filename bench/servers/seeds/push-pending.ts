import { findUserById } from '../../../src/store/users.ts';
import { listActiveMethods } from '../../../src/methods/records.ts';
import { startPushChallenge } from '../../../src/methods/push/challenges.ts';
import type { Seed } from '../gatehouse.ts';

/**
 * Starts one pending sign-in request for each person given, through the store function a sign-in's
 * challenge page calls (src/methods/push/challenges.ts `startPushChallenge`: limits, row, audit,
 * event), without a browser. They live `seconds` (the configuration's maximum, 600) instead of the
 * default 60, so that all of them are still pending while the measurement that needs them runs.
 */
const seed: Seed = async (gh, a: { userIds: string[]; seconds: number }): Promise<{ started: number; ms: number }> => {
  const deps = { ...gh.deps, config: { ...gh.deps.config, pushChallengeSeconds: a.seconds } };
  const t0 = performance.now();
  let started = 0;
  const one = async (userId: string, i: number) => {
    const user = await findUserById(deps.db, userId);
    if (!user) throw new Error(`no user ${userId}`);
    const devices = await listActiveMethods(deps.db, userId);
    const r = await startPushChallenge(
      deps,
      user,
      { kind: 'sign_in', flowRef: `bench:${i}`, targets: null, context: { app: 'Bench app', action: null, browser: 'Chrome', os: 'Linux', ip: '203.0.113.7' } },
      devices,
      { ip: '203.0.113.7' },
    );
    if (!r.ok) throw new Error(`push request refused: ${r.reason}`);
    started++;
  };
  for (let i = 0; i < a.userIds.length; i += 16) await Promise.all(a.userIds.slice(i, i + 16).map((id, k) => one(id, i + k)));
  return { started, ms: performance.now() - t0 };
};
export default seed;
