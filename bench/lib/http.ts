import http from 'node:http';

/**
 * A lean HTTP/1.1 client for the load generator: node:http over keep-alive sockets, no redirect
 * following, bodies as strings. Lighter than fetch, so more of the shared cores go to the server.
 */
/** The generator's keep-alive sockets, shared by its requests and its event streams (as a browser's pool is). */
export const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  method: 'GET' | 'POST',
  url: string,
  opts: { headers?: Record<string, string>; form?: Record<string, string>; json?: unknown } = {},
): Promise<HttpResponse> {
  const u = new URL(url);
  const body = opts.form ? new URLSearchParams(opts.form).toString() : opts.json !== undefined ? JSON.stringify(opts.json) : undefined;
  const headers: Record<string, string> = { ...opts.headers };
  if (body !== undefined) {
    headers['content-type'] = opts.form ? 'application/x-www-form-urlencoded' : 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const send = (retry: boolean): Promise<HttpResponse> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { agent, method, host: u.hostname, port: u.port, path: u.pathname + u.search, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      // A kept-alive connection the server closed as idle just as it was taken: the request never
      // reached the server, so it is sent again on another (Node's documented `reusedSocket` retry,
      // as browsers do). Seen as "read ECONNRESET" after the pool sat idle through a long seeding.
      req.on('error', (err: NodeJS.ErrnoException) => (retry && req.reusedSocket && err.code === 'ECONNRESET' ? send(false).then(resolve, reject) : reject(err)));
      req.end(body);
    });
  return send(true);
}

/** One browser's cookies for one host (the benchmark talks to one server at a time; paths are ignored). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(res: HttpResponse): void {
    const set = res.headers['set-cookie'];
    if (!set) return;
    for (const c of set) {
      const semi = c.indexOf(';');
      const pair = semi < 0 ? c : c.slice(0, semi);
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c) || /max-age=0/i.test(c)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): Record<string, string> {
    if (this.#cookies.size === 0) return {};
    return { cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }
}

/** A request made as a browser: sends and keeps the jar's cookies. */
export async function browse(jar: CookieJar, method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<HttpResponse> {
  const res = await request(method, url, { headers: jar.header(), form });
  jar.store(res);
  return res;
}
