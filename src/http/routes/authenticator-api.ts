import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HttpDeps } from '../deps.ts';
import { auditContext } from '../request-context.ts';
import { ceremonyContext } from '../ceremony-context.ts';
import { openEventStream } from '../sse.ts';
import { audit } from '../../store/audit.ts';
import { PushError } from '../../methods/push/errors.ts';
import { inspectEnrollment, registerDevice } from '../../methods/push/registration.ts';
import { authenticateDevice } from '../../methods/push/request-auth.ts';
import { answerChallenge } from '../../methods/push/answer.ts';
import { challengeJson, findChallenge, findDeviceWithPending, pendingForDevice } from '../../methods/push/challenges.ts';
import { findDevice } from '../../methods/push/device.ts';
import { removeOwnMethod } from '../../flows/remove-method.ts';
import { userChannel } from '../../methods/push/channels.ts';
import { findUserById } from '../../store/users.ts';

/** Where the API lives; docs/authenticator-api.md is its contract. */
export const AUTHENTICATOR_API = '/api/authenticator/v1';
/** The longest long-poll (`GET /challenges?wait=`), seconds. */
const MAX_WAIT_S = 25;

/**
 * The Gatehouse Authenticator API: enrollment by a single-use link, the requests waiting for a device
 * (list, server-sent events, long-poll) and signed answers. JSON in and out; every error is
 * `{"error", "error_description"}` with a 4xx and never tells whether an account exists. Requests are
 * authenticated by device signatures, not cookies (so the browser CSRF checks do not apply; see
 * origin-check.ts).
 */
export function registerAuthenticatorApi(app: FastifyInstance, deps: HttpDeps): void {
  const ctx = ceremonyContext(deps);

  void app.register(
    async (api) => {
      api.setErrorHandler((err: { statusCode?: number; message?: string }, req, reply) => {
        if (err instanceof PushError) return reply.code(err.status).send({ ...err.extra, error: err.code, error_description: err.description });
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) console.error(`[gatehouse] ${req.method} ${req.url.split('?')[0]}:`, err);
        return reply.code(status).send(status === 500 ? { error: 'server_error', error_description: 'Something went wrong.' } : { error: 'invalid_request', error_description: 'The request could not be read.' });
      });
      api.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not_found', error_description: 'No such endpoint.' }));

      const device = (req: FastifyRequest) => authenticateDevice(deps, req.headers.authorization, req.method, req.url, auditContext(req));

      api.post('/enrollments/inspect', async (req) => inspectEnrollment(ctx, req.body));

      api.post('/enrollments', async (req, reply) => {
        const r = await registerDevice(ctx, req.body, auditContext(req)).catch(async (err: unknown) => {
          if (err instanceof PushError) await audit(deps.db, deps.clock, { ...auditContext(req), event: 'push.enrollment_refused', details: { error: err.code } });
          throw err;
        });
        return reply.code(201).send(r);
      });

      api.get<{ Querystring: { wait?: string } }>('/challenges', async (req, reply) => {
        // The device and the requests waiting for it are read in one statement; the list is used only
        // once the request's signature verified with that device's key and its jti is new.
        let waiting: Awaited<ReturnType<typeof pendingForDevice>> = [];
        let d = await authenticateDevice(deps, req.headers.authorization, req.method, req.url, auditContext(req), async (kid) => {
          const found = await findDeviceWithPending(deps, kid);
          waiting = found?.pending ?? [];
          return found?.device;
        });
        const list = async () => (await pendingForDevice(deps, d)).map(challengeJson);
        let challenges = waiting.map(challengeJson);
        const wait = Math.min(MAX_WAIT_S, Math.max(0, Number.parseInt(req.query.wait ?? '0', 10) || 0));
        if (challenges.length === 0 && wait > 0) {
          await waitForUser(d.userId, wait * 1000, req);
          const again = await findDevice(deps.db, d.id);
          if (!again) throw new PushError('device_unknown', 'This device is not enrolled, or the request was not signed by it.');
          d = again;
          challenges = await list();
        }
        return reply.header('cache-control', 'no-store').send({ challenges });
      });

      api.get('/challenges/wait', async (req, reply) => {
        const d = await device(req);
        const stream = openEventStream(app, req, reply);
        const sent = new Set<string>();
        const push = async () => {
          // The device and the requests waiting for it, in one statement.
          const current = await findDeviceWithPending(deps, d.id);
          // Removed while listening: the stream ends, and the next signed request gets device_unknown.
          if (!current) return stream.close();
          for (const c of current.pending) {
            if (sent.has(c.id)) continue;
            sent.add(c.id);
            stream.send('challenge', challengeJson(c));
          }
        };
        stream.onClose(deps.events.subscribe(userChannel(d.userId), () => void push().catch(() => stream.close())));
        // The first read only once this instance listens, as the page's stream does (src/http/push-flow.ts).
        await deps.events.ready?.();
        await push();
        return reply;
      });

      api.post<{ Params: { id: string } }>('/challenges/:id/answer', async (req) => {
        try {
          return { status: await answerChallenge(ctx, req.params.id, req.body, auditContext(req)) };
        } catch (err) {
          if (err instanceof PushError) {
            const row = await findChallenge(deps, req.params.id);
            await audit(deps.db, deps.clock, { ...auditContext(req), event: 'push.answer_refused', userId: row?.user_id ?? null, details: { challengeId: row?.id ?? null } });
          }
          throw err;
        }
      });

      api.get('/devices/self', async (req) => {
        const d = await device(req);
        const user = await findUserById(deps.db, d.userId);
        return { deviceId: d.id, name: d.name, status: d.status, account: accountOf(deps, user) };
      });

      // A device removes itself, signed with its own key — the factor itself, so no other proof is
      // asked — the same way as a removal in Account settings (src/flows/remove-method.ts).
      api.delete('/devices/self', async (req) => {
        const d = await device(req);
        const user = await findUserById(deps.db, d.userId);
        const removal = user ? await removeOwnMethod(deps, deps.provider, user, d, { where: auditContext(req), by: 'device' }) : { ok: false as const, reason: 'gone' as const };
        if (!removal.ok && removal.reason === 'last_method_required') {
          throw new PushError('last_method_required', 'This is the last two-step verification method a policy allows for this account, so it cannot be removed. Add another method in Account settings first.');
        }
        if (!removal.ok) throw new PushError('device_unknown', 'This device is not enrolled, or the request was not signed by it.');
        return { deviceId: d.id, status: 'removed' };
      });
    },
    { prefix: AUTHENTICATOR_API },
  );

  /** Resolves when a request starts for the person, after `ms`, or when the client goes away. */
  function waitForUser(userId: string, ms: number, req: FastifyRequest): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        req.raw.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const unsubscribe = deps.events.subscribe(userChannel(userId), done);
      req.raw.on('close', done);
    });
  }
}

function accountOf(deps: HttpDeps, user: { email: string; name: string } | undefined) {
  return { issuer: deps.config.issuer, email: user?.email ?? null, name: user?.name ?? null };
}


