import type { Deps } from '../../context.ts';
import type { MethodRecord } from '../records.ts';
import { challengeChannel, userChannel } from './channels.ts';
import { PENDING } from './challenges.ts';

/**
 * Ends the pending requests a removed device was asked: those naming it (its enrollment's test), and
 * a sign-in asked of every active device when no other push device of the person is left to answer
 * it (`othersAnswer` false). A sign-in another device can still answer stays as it is. The waiting
 * browser is woken (it shows the request ended); the person's devices read the store again, so the
 * removed one's open stream ends.
 */
export async function cancelDeviceRequests(deps: Deps, device: MethodRecord, othersAnswer: boolean): Promise<void> {
  const pending = await deps.db.selectFrom('push_challenges').select(['id', 'target_method_ids']).where('user_id', '=', device.userId).where('status', '=', PENDING).execute();
  const ids = pending.filter((r) => (r.target_method_ids === null ? !othersAnswer : targets(r.target_method_ids).includes(device.id))).map((r) => r.id);
  if (ids.length > 0) {
    const ended = await deps.db.updateTable('push_challenges').set({ status: 'expired', answered_at: deps.clock.now() }).where('id', 'in', ids).where('status', '=', PENDING).returning('id').execute();
    for (const r of ended) await deps.events.publish(challengeChannel(r.id), { status: 'expired' }).catch(() => {});
  }
  await deps.events.publish(userChannel(device.userId), { removed: device.id }).catch(() => {});
}

function targets(json: string): string[] {
  try {
    return JSON.parse(json) as string[];
  } catch {
    return [];
  }
}
