import { createServer } from 'node:http';
import { freePort } from './ports.ts';

/**
 * An app's back-channel logout endpoint (OIDC Back-Channel Logout §2.5): records every POSTed
 * `logout_token` and answers 200, so a test can wait for one and verify it.
 */
export async function startBackchannelReceiver() {
  const tokens: string[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('logout_token');
      if (req.method === 'POST' && token && String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
        tokens.push(token);
        waiters.splice(0).forEach((w) => w());
        res.writeHead(200).end();
      } else {
        res.writeHead(400).end();
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    tokens,
    /** Resolves with the `n`-th token (1-based) once it has arrived. */
    async waitFor(n = 1, timeoutMs = 5000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (tokens.length < n) {
        if (Date.now() > deadline) throw new Error(`logout token ${n} did not arrive`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      return tokens[n - 1]!;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
