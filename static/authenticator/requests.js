// The requests waiting for this device's accounts, learned through the API's wait endpoint while the
// app is open: server-sent events read with fetch, or long-polling where a stream cannot be held.
import { ApiError, pendingChallenges, streamChallenges } from './api.js';

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
});

/**
 * Events: `added` (detail {account, challenge}) when a request arrives; `device-removed` (detail
 * account) when the server no longer knows an account's device; `clock-skew` (detail {account,
 * offsetMs}) when the server refused this device's time, `clock-ok` (detail account) once it no longer does.
 */
export class Requests extends EventTarget {
  #pending = new Map();
  #loops = new Map();

  /** Waiting requests that have not expired, oldest first. */
  list() {
    const now = Date.now();
    return [...this.#pending.values()].filter((r) => r.challenge.expiresAt > now).sort((a, b) => a.challenge.createdAt - b.challenge.createdAt);
  }

  find(challengeId) {
    return this.list().find((r) => r.challenge.id === challengeId);
  }

  add(account, challenge) {
    if (!challenge?.id || !(challenge.expiresAt > Date.now())) return;
    const key = `${account.id}|${challenge.id}`;
    if (this.#pending.has(key)) return;
    this.#pending.set(key, { account, challenge });
    this.dispatchEvent(new CustomEvent('added', { detail: { account, challenge } }));
  }

  done(account, challengeId) {
    this.#pending.delete(`${account.id}|${challengeId}`);
  }

  /** Asks every account's server for its waiting requests now (after a notification tap, say). */
  async refresh(accounts) {
    await Promise.all(accounts.map(async (account) => {
      try {
        for (const c of await pendingChallenges(account)) this.add(account, c);
      } catch {
        /* offline or refused: the wait loop reports and retries */
      }
    }));
  }

  start(account) {
    if (this.#loops.has(account.id)) return;
    const controller = new AbortController();
    this.#loops.set(account.id, controller);
    void this.#wait(account, controller.signal);
  }

  stop(account) {
    this.#loops.get(account.id)?.abort();
    this.#loops.delete(account.id);
    for (const key of this.#pending.keys()) if (key.startsWith(`${account.id}|`)) this.#pending.delete(key);
  }

  async #wait(account, signal) {
    let streaming = true;
    let backoff = 1000;
    while (!signal.aborted) {
      const started = Date.now();
      try {
        // A stream tells of requests that start from now on: first collect any already waiting.
        for (const c of await pendingChallenges(account)) this.add(account, c);
        this.dispatchEvent(new CustomEvent('clock-ok', { detail: account }));
        if (streaming) {
          await streamChallenges(account, (c) => this.add(account, c), signal);
        } else {
          const found = await pendingChallenges(account, 25);
          for (const c of found) this.add(account, c);
          // The long poll answers at once while a request waits: don't ask again and again meanwhile.
          if (found.length) await sleep(3000, signal);
        }
        backoff = 1000;
        if (Date.now() - started < 1000) await sleep(1000, signal);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiError && err.code === 'device_unknown') {
          this.dispatchEvent(new CustomEvent('device-removed', { detail: account }));
          return;
        }
        // The server verified this device but not its time: say so, and keep asking (with the back-off)
        // until the person sets the clock.
        if (err instanceof ApiError && err.code === 'clock_skew') {
          this.dispatchEvent(new CustomEvent('clock-skew', { detail: { account, offsetMs: err.serverTime === undefined ? undefined : Date.now() - err.serverTime } }));
        }
        if (err instanceof ApiError && (err.code === 'not_streaming' || err.status === 404 || err.status === 406)) {
          if (streaming) {
            streaming = false;
            continue;
          }
        }
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 60_000);
      }
    }
  }
}
