import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** One open server-sent-events stream (text/event-stream). */
export interface EventStream {
  send(event: string, data: unknown): void;
  /** Ends the stream; a last event given here goes out with the end, in one write. */
  close(last?: { event: string; data: unknown }): void;
  /** Runs when the stream ends, by either side (unsubscribe, clear timers). */
  onClose(fn: () => void): void;
  readonly closed: boolean;
}

const open = new WeakMap<FastifyInstance, Set<EventStream>>();
const held = new WeakMap<FastifyInstance, Set<() => void>>();

/**
 * Ends every open stream, and answers every held request, when the server closes: neither ends on
 * its own soon, and Node's `server.close()` waits for every connection to end.
 */
export function registerEventStreams(app: FastifyInstance): void {
  const streams = new Set<EventStream>();
  const waiting = new Set<() => void>();
  open.set(app, streams);
  held.set(app, waiting);
  app.addHook('preClose', async () => {
    for (const s of [...streams]) s.close();
    for (const answer of [...waiting]) answer();
  });
}

/**
 * For a request held open until something happens (a push page's held Continue): `answer` runs if the
 * server closes meanwhile, so that it is answered at once. Returns what stops that (when it ended).
 */
export function answerOnClose(app: FastifyInstance, answer: () => void): () => void {
  const waiting = held.get(app);
  waiting?.add(answer);
  return () => void waiting?.delete(answer);
}

/**
 * Takes over the reply as an event stream, with a comment every `keepAliveMs` so that proxies keep
 * the line open. `headers` are added (the pages' security headers do not apply to a stream).
 */
export function openEventStream(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply, keepAliveMs = 25_000): EventStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-content-type-options': 'nosniff', 'x-accel-buffering': 'no' });
  res.write(': open\n\n');
  const handlers: Array<() => void> = [];
  const streams = open.get(app);
  let closed = false;
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    streams?.delete(stream);
    for (const h of handlers) {
      try {
        h();
      } catch {
        // A listener's clean-up never keeps the others from running.
      }
    }
  };
  const text = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const stream: EventStream = {
    send(event, data) {
      if (!closed) res.write(text(event, data));
    },
    close(last) {
      if (closed) return;
      finish();
      if (last) res.end(text(last.event, last.data));
      else res.end();
    },
    onClose(fn) {
      if (closed) fn();
      else handlers.push(fn);
    },
    get closed() {
      return closed;
    },
  };
  streams?.add(stream);
  req.raw.on('close', finish);
  return stream;
}
