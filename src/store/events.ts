import { EventEmitter } from 'node:events';
import pg from 'pg';
import { isPostgresUrl } from './db.ts';

/** A listener of one channel; payloads are small JSON values (ids and statuses, never secrets). */
export type EventListener = (payload: unknown) => void;

/**
 * Wakes whoever waits on something another request (perhaps on another instance) changed: a browser
 * waiting for a push answer, a device waiting for a request. Delivery is best effort — the store stays
 * the truth: a waiter reads it again when woken (and on its own time-out), unless the payload is all it
 * shows — a sign-in page told that its request was answered, whose next request checks the store.
 */
export interface EventBus {
  publish(channel: string, payload: unknown): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe(channel: string, listener: EventListener): () => void;
  /**
   * Resolves once events published from now on will reach this process's subscribers (on PostgreSQL:
   * its LISTEN is in place). A waiter reads the store after it, so nothing falls between the read
   * and the first event it hears. Never rejects.
   */
  ready?(): Promise<void>;
  close(): Promise<void>;
}

/** One process: an EventEmitter (SQLite, or tests). */
export function inProcessBus(): EventBus {
  const emitter = new EventEmitter();
  // Thousands of browsers may wait at once; each subscription is one listener.
  emitter.setMaxListeners(0);
  return {
    async publish(channel, payload) {
      emitter.emit(channel, payload);
    },
    subscribe(channel, listener) {
      emitter.on(channel, listener);
      return () => emitter.off(channel, listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/** PostgreSQL's NOTIFY channel Gatehouse uses; the Gatehouse channel travels in the payload. */
export const PG_CHANNEL = 'gatehouse_events';

/**
 * Several instances on one PostgreSQL: one dedicated client LISTENs on {@link PG_CHANNEL} and hands each
 * notification to this process's listeners; publishing is a NOTIFY (delivered to every instance, this
 * one included, after the publishing transaction commits). Payloads stay far below NOTIFY's 8000 bytes.
 */
export function postgresBus(connectionString: string): EventBus {
  const local = inProcessBus();
  let closed = false;
  let client: pg.Client | undefined;
  let ready: Promise<pg.Client> | undefined;

  const connect = (): Promise<pg.Client> => {
    ready ??= (async () => {
      const c = new pg.Client({ connectionString });
      // A lost connection is re-made on the next use; waiters fall back on their own time-outs meanwhile.
      c.on('error', (err) => {
        console.error('[gatehouse] events connection lost:', err.message);
        ready = undefined;
        client = undefined;
      });
      c.on('notification', (n) => {
        if (n.channel !== PG_CHANNEL || !n.payload) return;
        try {
          const { c: channel, p: payload } = JSON.parse(n.payload) as { c: string; p: unknown };
          void local.publish(channel, payload);
        } catch {
          // Not ours: ignored.
        }
      });
      await c.connect();
      await c.query(`listen ${PG_CHANNEL}`);
      client = c;
      return c;
    })();
    return ready;
  };

  // One query at a time on the listening client: pg queues overlapping ones but warns (and pg 9
  // refuses them), and a push sign-in publishes several events at once.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    async publish(channel, payload) {
      if (closed) return;
      const c = await connect();
      const sent = queue.then(() => c.query('select pg_notify($1, $2)', [PG_CHANNEL, JSON.stringify({ c: channel, p: payload })]));
      queue = sent.catch(() => {});
      await sent;
    },
    subscribe(channel, listener) {
      // Listening starts with the first subscriber; a notification before it is read from the store
      // by a waiter that awaited ready() first.
      void connect().catch((err: Error) => console.error('[gatehouse] events: cannot listen:', err.message));
      return local.subscribe(channel, listener);
    },
    ready: () => connect().then(
      () => undefined,
      () => undefined,
    ),
    async close() {
      closed = true;
      await local.close();
      const c = client ?? (ready ? await ready.catch(() => undefined) : undefined);
      await c?.end().catch(() => {});
    },
  };
}

/** The bus for a store: LISTEN/NOTIFY for `postgres://`, in-process otherwise. */
export function eventBusFor(databaseUrl: string): EventBus {
  return isPostgresUrl(databaseUrl) ? postgresBus(databaseUrl) : inProcessBus();
}
