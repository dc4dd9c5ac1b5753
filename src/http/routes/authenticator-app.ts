import type { FastifyInstance, FastifyReply } from 'fastify';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { AUTHENTICATOR_CSP } from '../security-headers.ts';

const APP_DIR = fileURLToPath(new URL('../../../static/authenticator/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

interface AppFile {
  type: string;
  body: Buffer;
}

/** The app's files, read once at start: a fixed list, so no request names a path on disk. */
function loadAppFiles(): Map<string, AppFile> {
  const files = new Map<string, AppFile>();
  for (const name of readdirSync(APP_DIR)) {
    const type = TYPES[name.slice(name.lastIndexOf('.'))];
    if (type) files.set(name, { type, body: readFileSync(join(APP_DIR, name)) });
  }
  return files;
}

/**
 * The Gatehouse Authenticator as a web app (issue 8, docs/authenticator-api.md) at /authenticator/.
 * Its service worker is /authenticator/sw.js, so its default scope is the app's own folder and no
 * `Service-Worker-Allowed` header is needed. Every file is revalidated (`no-cache`): the service
 * worker keeps the copy that works offline, and a new version reaches the phone at its next start.
 */
export function registerAuthenticatorAppRoutes(app: FastifyInstance): void {
  const files = loadAppFiles();
  const serve = (name: string, reply: FastifyReply) => {
    const file = files.get(name);
    if (!file) return reply.callNotFound();
    reply.type(file.type).header('cache-control', 'no-cache');
    if (name.endsWith('.html')) reply.header('content-security-policy', AUTHENTICATOR_CSP);
    return reply.send(file.body);
  };
  app.get('/authenticator', (_req, reply) => reply.redirect('/authenticator/', 301));
  app.get('/authenticator/', (_req, reply) => serve('index.html', reply));
  app.get<{ Params: { file: string } }>('/authenticator/:file', (req, reply) => serve(req.params.file, reply));
}
