import http from 'node:http';
import { agent } from './http.ts';

/** One event read from a stream, with when it arrived here (performance.now()). */
export interface StreamEvent {
  event: string;
  data: string;
  at: number;
}

/**
 * A browser's EventSource, for the load generator: one GET held open, events parsed as they arrive
 * and stamped with their arrival time, so a scenario can tell how long after its own action the
 * server told the waiting page. Like a browser, it takes an idle keep-alive connection from the
 * generator's pool when there is one (a browser's EventSource does, on the connection the page came
 * on), and a stream the server ended leaves its connection there for the next request; one closed
 * while still open is cut.
 */
export class EventStreamClient {
  readonly #events: StreamEvent[] = [];
  readonly #waiters: Array<() => void> = [];
  #req?: http.ClientRequest;
  #ended = false;

  /**
   * Opens the stream; resolves once the server answered 200 with its first bytes (`: open`).
   * `connection: 'own'` opens a connection for this stream alone.
   */
  static open(url: string, headers: Record<string, string> = {}, connection: 'pooled' | 'own' = 'pooled'): Promise<EventStreamClient> {
    const s = new EventStreamClient();
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const req = http.get({ agent: connection === 'own' ? false : agent, host: u.hostname, port: u.port, path: u.pathname + u.search, headers: { ...headers, accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`event stream: HTTP ${res.statusCode} at ${u.pathname}`));
        }
        let buffer = '';
        let opened = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = performance.now();
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            if (event) s.#push({ event, data: /^data: (.*)$/m.exec(block)?.[1] ?? '', at });
          }
          if (!opened) {
            opened = true;
            resolve(s);
          }
        });
        res.on('end', () => s.#end());
        res.on('error', () => s.#end());
      });
      req.on('error', (err) => {
        s.#end();
        reject(err);
      });
      s.#req = req;
    });
  }

  #push(e: StreamEvent) {
    this.#events.push(e);
    for (const w of this.#waiters.splice(0)) w();
  }

  #end() {
    this.#ended = true;
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Events that arrived and were not taken yet. */
  get buffered(): number {
    return this.#events.length;
  }

  /** The next event (any name); rejects if the stream ends first or after `timeoutMs`. */
  async next(timeoutMs = 30_000): Promise<StreamEvent> {
    const deadline = performance.now() + timeoutMs;
    while (this.#events.length === 0) {
      if (this.#ended) throw new Error('event stream ended without an event');
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.#events.shift()!;
  }

  close(): void {
    if (!this.#ended) this.#req?.destroy();
    this.#end();
  }
}
