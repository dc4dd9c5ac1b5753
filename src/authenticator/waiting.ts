import type { Challenge } from './api.ts';
import type { UnlockedDevice } from './device.ts';
import { AuthenticatorError } from './errors.ts';

export interface Pending {
  device: UnlockedDevice;
  challenge: Challenge;
}

/**
 * The requests waiting for any of `devices`. With `waitSeconds`, long-polls
 * (`GET /challenges?wait=…`, at most 25 s a time) until one arrives for any device or the time is
 * up; the other devices' polls are then cancelled so the command ends at once.
 *
 * A device the server no longer knows (`device_unknown`) is reported through `onError` when
 * other devices are asked too, so one removed account does not hide another's sign-in; with a
 * single device, or when every device failed, the first error is thrown.
 */
export async function pendingRequests(devices: UnlockedDevice[], o: { waitSeconds?: number; onError?: (device: UnlockedDevice, err: AuthenticatorError) => void; now?: () => number } = {}): Promise<Pending[]> {
  const now = o.now ?? Date.now;
  const deadline = now() + (o.waitSeconds ?? 0) * 1000;
  const stop = new AbortController();
  const errors: AuthenticatorError[] = [];
  const found: Pending[] = [];

  async function watch(device: UnlockedDevice): Promise<void> {
    for (;;) {
      const left = Math.ceil((deadline - now()) / 1000);
      let list: Challenge[];
      try {
        list = await device.challenges(Math.max(left, 0), stop.signal);
      } catch (err) {
        if (stop.signal.aborted) return;
        if (!(err instanceof AuthenticatorError) || devices.length === 1) throw err;
        errors.push(err);
        o.onError?.(device, err);
        return;
      }
      if (list.length > 0) {
        found.push(...list.map((challenge) => ({ device, challenge })));
        // Waiting: the first request is the news. Not waiting: every device's list is wanted.
        if (left > 0) stop.abort();
        return;
      }
      if (left <= 0 || now() >= deadline) return;
    }
  }

  await Promise.all(devices.map(watch));
  if (found.length === 0 && errors.length === devices.length && errors[0]) throw errors[0];
  return found;
}
