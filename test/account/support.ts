import { createServer, type Server } from 'node:http';
import type { UserAgent } from '../helpers/user-agent.ts';

/** Opens /account and, when sent to sign in, signs in with the password; returns the page shown at the end. */
export async function openAccount(ua: UserAgent, issuer: string, email?: string, password?: string) {
  let page = await ua.go(`${issuer}/account`);
  if (page.url.includes('/interaction/') && email && password) {
    page = await ua.submit('/email', { email });
    page = await ua.submit('/password', { password });
  }
  return page;
}

export function isSignInPage(page: { url: string; body: string }): boolean {
  return page.url.includes('/interaction/') && page.body.includes('action="/interaction/');
}

/** An app's back-channel logout endpoint: records every logout_token POSTed to it. */
export async function startLogoutReceiver(): Promise<{ uri: string; tokens: string[]; close(): Promise<void> }> {
  const tokens: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method === 'POST' && token) tokens.push(token);
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    uri: `http://127.0.0.1:${port}/backchannel-logout`,
    tokens,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
