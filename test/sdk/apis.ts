import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { ACR, checkAccess, requireAuthentication, type AccessTokenClaims, type VerifyOptions } from '../../packages/sdk/src/index.ts';
import { accessOf, expressGuard } from '../../packages/sdk/src/express.ts';
import { gatehouseFastify } from '../../packages/sdk/src/fastify.ts';

// The same small API — the demo's Payroll API — written three times, once per way the SDK is used:
// GET /payslips needs any valid token for the API; POST /bank-details needs a multi-factor sign-in
// of the last five minutes.

export const BANK_DETAILS = { acr: ACR.multiFactor, maxAge: 300 } as const;

export interface RunningApi {
  name: string;
  url: string;
  close(): Promise<void>;
}

const answer = (claims: AccessTokenClaims) => ({ sub: claims.sub, acr: claims.acr });

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closing = (server: Server) => () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));

export async function expressApi(options: VerifyOptions): Promise<RunningApi> {
  const app = express();
  app.get('/payslips', expressGuard(options), (req, res) => void res.json(answer(accessOf(req).claims)));
  app.post('/bank-details', expressGuard(options, requireAuthentication(BANK_DETAILS)), (req, res) => void res.json(answer(accessOf(req).claims)));
  const server = createServer(app);
  return { name: 'Express', url: await listening(server), close: closing(server) };
}

export async function fastifyApi(options: VerifyOptions): Promise<RunningApi> {
  const app = Fastify();
  await app.register(gatehouseFastify, options);
  app.get('/payslips', { preHandler: app.gatehouse() }, async (request) => answer(request.auth!.claims));
  app.post('/bank-details', { preHandler: app.gatehouse(BANK_DETAILS) }, async (request) => answer(request.auth!.claims));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { name: 'Fastify', url, close: () => app.close() };
}

/** No framework: node:http and checkAccess. */
export async function plainApi(options: VerifyOptions): Promise<RunningApi> {
  const routes = { 'GET /payslips': requireAuthentication(), 'POST /bank-details': requireAuthentication(BANK_DETAILS) };
  const server = createServer((req, res) => {
    const requirement = routes[`${req.method} ${req.url}` as keyof typeof routes];
    if (!requirement) return void res.writeHead(404).end();
    checkAccess(req.headers.authorization, requirement, options).then(
      (result) => {
        if (!result.ok) return void res.writeHead(result.status, { ...result.headers, 'content-type': 'application/json' }).end(JSON.stringify(result.body ?? {}));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(result.claims)));
      },
      () => void res.writeHead(503).end(),
    );
  });
  return { name: 'plain node:http', url: await listening(server), close: closing(server) };
}
