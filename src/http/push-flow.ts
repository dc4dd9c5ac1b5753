import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from './deps.ts';
import type { User } from '../store/users.ts';
import type { MethodRecord } from '../methods/records.ts';
import type { PushChallengeView } from './pages/push.ts';
import { auditContext } from './request-context.ts';
import { answerOnClose, openEventStream } from './sse.ts';
import { parseUserAgent } from './user-agent-label.ts';
import { waitText } from '../i18n/duration.ts';
import { challengeChannel } from '../methods/push/channels.ts';
import { findChallenge, startPushChallenge, type ChallengeContext, type StartRequest } from '../methods/push/challenges.ts';
import type { PushChallengeState } from '../methods/push/index.ts';

type ChallengeRow = NonNullable<Awaited<ReturnType<typeof findChallenge>>>;

/** What the device shows about the browser asking: app, action, browser and OS, address. */
export function requestContext(req: FastifyRequest, app: string, action?: string): ChallengeContext {
  const ua = parseUserAgent(String(req.headers['user-agent'] ?? ''));
  return { app, action: action ?? null, browser: ua.browser ?? null, os: ua.os ?? null, ip: req.ip ?? null };
}

/**
 * Starts (or shows again) the push request of a flow, and what its page shows: the number, or why no
 * request was sent. The returned state goes into the flow; the number never leaves the server but here.
 */
export async function pushRequestFor(
  deps: HttpDeps,
  req: FastifyRequest,
  user: User,
  methods: MethodRecord[],
  start: Omit<StartRequest, 'context'> & { context: ChallengeContext },
  /** The page's event stream for the request started (its id is not secret: the phone shows it too, the browser never answers with it). */
  waitUrl: (challengeId: string) => string,
): Promise<{ view: PushChallengeView; state: PushChallengeState; startedHere: boolean }> {
  const { t } = deps;
  const devices = methods.filter((m) => m.type === 'push' && (start.targets ? start.targets.includes(m.id) : m.status === 'active'));
  const outcome = await startPushChallenge(deps, user, start, devices, auditContext(req));
  if (!outcome.ok) {
    const unavailable =
      outcome.reason === 'busy' ? t('mfa.push.busy')
      : outcome.reason === 'paused' ? t('mfa.push.paused')
      : `${t('mfa.push.throttled')} ${outcome.retryAfterMs ? t('mfa.throttled_for', { wait: waitText(t, outcome.retryAfterMs) }) : ''}`.trim();
    return { view: { unavailable }, state: { flowRef: start.flowRef }, startedHere: false };
  }
  return { view: { number: outcome.challenge.number, waitUrl: waitUrl(outcome.challenge.id) }, state: { challengeId: outcome.challenge.id, flowRef: start.flowRef }, startedHere: !outcome.reused };
}

const isAnswer = (status: unknown): status is 'approved' | 'denied' | 'reported' => status === 'approved' || status === 'denied' || status === 'reported';

/**
 * A same-origin event stream for a page waiting on a request: `answered` with the status when the
 * device answered, `changed` when the request ended otherwise (time-out, wrong number) — then it ends.
 * `extra` adds a channel of the host's (the wizard's "device registered"). `belongs`, when the request
 * was named by the page, says whether it is the page's own: any other (or none) ends the stream with
 * `changed`, and the page is drawn again — so a stranger's request id tells nothing about that request.
 */
export function streamRequest(
  app: FastifyInstance,
  deps: HttpDeps,
  req: FastifyRequest,
  reply: Parameters<typeof openEventStream>[2],
  challengeId: string | undefined,
  extra?: { channel: string; ready: () => Promise<boolean> },
  belongs?: (row: ChallengeRow) => boolean,
) {
  const stream = openEventStream(app, req, reply);
  /** Set once the request's row was read and found to be the page's own. */
  let own = !belongs;
  /** `known`: the request's row as just read (the stream's first check), so it is not read twice. */
  const check = async (known?: { row: ChallengeRow | undefined }) => {
    if (stream.closed) return;
    if (extra && (await extra.ready())) return stream.close({ event: 'changed', data: { status: 'registered' } });
    if (!challengeId) return;
    const row = known ? known.row : await findChallenge(deps, challengeId);
    if (belongs && (!row || !belongs(row))) return stream.close({ event: 'changed', data: { status: 'unknown' } });
    if (!row) return stream.close();
    own = true;
    if (isAnswer(row.status)) return stream.close({ event: 'answered', data: { status: row.status } });
    if (row.status !== 'pending' || row.expires_at <= deps.clock.now()) return stream.close({ event: 'changed', data: { status: row.status === 'pending' ? 'expired' : row.status } });
  };
  const run = () => void check().catch(() => stream.close());
  // An answer's event names it (settleChallenge publishes it once its UPDATE applied): the page is told
  // without reading the request again — it only shows the page's next step, and the form it then sends
  // is checked against the store. Any other event (an ending, a wizard's device), or one that comes
  // before the request was found to be the page's own, is read from the store.
  const onChallenge = (payload: unknown) => {
    const status = (payload as { status?: unknown } | null)?.status;
    if (!extra && own && isAnswer(status)) return stream.close({ event: 'answered', data: { status } });
    run();
  };
  if (challengeId) stream.onClose(deps.events.subscribe(challengeChannel(challengeId), onChallenge));
  if (extra) stream.onClose(deps.events.subscribe(extra.channel, run));
  // The first check and the expiry timer share one read of the request (subscribed before it, so an
  // answer in between still wakes the stream). The expiry is noticed without an event: one check just after it.
  const first = async () => {
    // The first read only after this instance listens: an answer published on another instance
    // between the read and the LISTEN would otherwise wake nobody (seen once in CI).
    await deps.events.ready?.();
    const row = challengeId ? await findChallenge(deps, challengeId) : undefined;
    if (row && !stream.closed && (!belongs || belongs(row))) {
      const timer = setTimeout(run, Math.max(0, row.expires_at - deps.clock.now()) + 250);
      stream.onClose(() => clearTimeout(timer));
    }
    await check({ row });
  };
  void first().catch(() => stream.close());
  return stream;
}

/** How long a page's held Continue waits for the answer before it is told to ask again (under proxies' usual 30–60 s idle limits). */
export const HOLD_MS = 25_000;

/** The held Continue waiting on each request in this process (see {@link holdUntilAnswered}). */
const holders = new Map<string, () => void>();

/** Why a held Continue was let go before there was anything to tell: another took its place, or the server closes. */
export type LetGo = 'superseded' | 'closing';

/**
 * Holds a page's Continue (sent by static/push-wait.js) until the sign-in's request is answered or
 * ends: `read` says where it stands, `waiting` whether that is still "no answer yet". Subscribed
 * before the first read (and only once this instance listens), so an answer in between still wakes
 * it; read again when the request's event comes, at its expiry, after `HOLD_MS`, or when the browser
 * went away (its answer is then sent nowhere: the page that asks again reads it then). An answer's
 * event names it (settleChallenge publishes it once its UPDATE applied): `fromEvent` turns it into a
 * state without reading the request again — what follows an approval checks it in the store anyway.
 *
 * One held Continue per request in a process: a newer one lets the older go (`superseded`; a page
 * that sends again drops its older one itself, and a second tab listens to the stream instead), so no
 * number of them can be stacked and then woken all at once by one approval (breaker). The server
 * closing lets every one go (`closing`), to be asked again elsewhere.
 */
export async function holdUntilAnswered<S>(
  deps: HttpDeps,
  reply: FastifyReply,
  challengeId: string,
  read: () => Promise<{ state: S; expiresAt?: number }>,
  waiting: (state: S) => boolean,
  fromEvent: (payload: unknown) => S | undefined = () => undefined,
): Promise<{ state: S } | { letGo: LetGo }> {
  let told: S | undefined;
  let letGo: LetGo | undefined;
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  const unsubscribe = deps.events.subscribe(challengeChannel(challengeId), (payload) => {
    told ??= fromEvent(payload);
    wake();
  });
  const gone = () => wake();
  reply.raw.once('close', gone);
  const supersede = () => {
    letGo ??= 'superseded';
    wake();
  };
  holders.get(challengeId)?.();
  holders.set(challengeId, supersede);
  const unregister = answerOnClose(reply.server, () => {
    letGo ??= 'closing';
    wake();
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await deps.events.ready?.();
    const first = await read();
    if (letGo) return { letGo };
    if (!waiting(first.state) || reply.raw.destroyed) return first;
    const untilExpiry = first.expiresAt === undefined ? HOLD_MS : Math.max(0, first.expiresAt - deps.clock.now()) + 250;
    timer = setTimeout(wake, Math.min(HOLD_MS, untilExpiry));
    await woken;
    if (letGo) return { letGo };
    if (told !== undefined) return { state: told };
    return { state: (await read()).state };
  } finally {
    clearTimeout(timer);
    unsubscribe();
    unregister();
    reply.raw.off('close', gone);
    if (holders.get(challengeId) === supersede) holders.delete(challengeId);
  }
}
