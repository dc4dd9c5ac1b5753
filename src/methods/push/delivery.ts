import type { Deps } from '../../context.ts';
import type { MethodRecord } from '../records.ts';
import type { PushPayload } from './sender.ts';
import { deviceData } from './device.ts';
import { openDeviceSecret, sealDeviceSecret } from './secret.ts';

/**
 * Pushes a new request to the subscribed devices among `devices`. Never throws and is never waited
 * for by a sign-in: a push service that is slow or down only means the device learns of the request
 * through its wait stream. A subscription the push service says is gone (404/410) is dropped.
 */
export async function deliver(deps: Deps, devices: MethodRecord[], payload: PushPayload): Promise<void> {
  const sender = deps.pushSender;
  if (!sender) return;
  await Promise.all(
    devices
      .filter((d) => d.type === 'push' && deviceData(d).subscribed)
      .map(async (d) => {
        try {
          const secret = await openDeviceSecret(deps, d.id);
          if (!secret?.subscription) return;
          const result = await sender.send(secret.subscription, payload);
          if (result !== 'gone') return;
          await deps.db
            .updateTable('mfa_methods')
            .set({ secret: sealDeviceSecret(deps, d.id, { seed: secret.seed }), data: JSON.stringify({ ...deviceData(d), subscribed: false }) })
            .where('id', '=', d.id)
            .execute();
        } catch (err) {
          console.error('[gatehouse] push delivery:', (err as Error).message);
        }
      }),
  );
}
