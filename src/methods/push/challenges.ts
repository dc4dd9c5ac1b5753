import { sql, type Compilable, type Selectable } from 'kysely';
import type { Deps } from '../../context.ts';
import type { User } from '../../store/users.ts';
import type { MfaMethodsTable, PushChallengesTable } from '../../store/schema.ts';
import { audit, type AuditContext } from '../../store/audit.ts';
import { randomId } from '../../clock.ts';
import type { MethodRecord } from '../records.ts';
import { recordRefusal, takeRequest } from './limits.ts';
import { challengeChannel, userChannel } from './channels.ts';
import { deliver } from './delivery.ts';
import { param, perStore, precompile } from '../../store/precompiled.ts';
import { asDevice, findDevice, isDeviceId } from './device.ts';

/**
 * `status = 'pending'` written into the SQL, never bound: the partial index push_challenges_one_pending
 * (`where status = 'pending'`) makes SQLite re-plan a statement each time a parameter compared with
 * `status` is bound — about 100 µs a run (docs/decisions/0017-sqlite-partial-index-parameters.md).
 */
export const PENDING = sql.lit('pending' as const);

type Row = Selectable<PushChallengesTable>;

/** The statements a push sign-in runs every time, built and compiled once per store (src/store/precompiled.ts). */
const statements = perStore((db: Deps['db']) => ({
  byId: precompile<Row, { id: string }>(db, () => db.selectFrom('push_challenges').selectAll().where('id', '=', param<string>('id'))),
  atStart: precompile<Row, { userId: string; flowRef: string }>(db, () =>
    db
      .selectFrom('push_challenges')
      .selectAll()
      .where('user_id', '=', param<string>('userId'))
      .where((eb) => eb.or([eb('status', '=', PENDING), eb('flow_ref', '=', param<string>('flowRef'))]))
      .orderBy('created_at', 'desc'),
  ),
  insert: precompile<unknown, Row>(db, () =>
    db.insertInto('push_challenges').values({
      id: param('id'),
      user_id: param('user_id'),
      kind: param('kind'),
      target_method_ids: param('target_method_ids'),
      flow_ref: param('flow_ref'),
      number: param('number'),
      display: param('display'),
      uv_challenge: param('uv_challenge'),
      status: param('status'),
      answered_method_id: param('answered_method_id'),
      amr: param('amr'),
      created_at: param('created_at'),
      expires_at: param('expires_at'),
      answered_at: param('answered_at'),
    }),
  ),
  pendingFor: precompile<Row, { userId: string; now: number }>(db, () =>
    db.selectFrom('push_challenges').selectAll().where('user_id', '=', param<string>('userId')).where('status', '=', PENDING).where('expires_at', '>', param<number>('now')),
  ),
  consume: precompile<Pick<Row, 'amr' | 'answered_method_id'>, { id: string; userId: string; flowRef: string }>(db, () =>
    db
      .updateTable('push_challenges')
      .set({ status: 'consumed' })
      .where('id', '=', param<string>('id'))
      .where('user_id', '=', param<string>('userId'))
      .where('flow_ref', '=', param<string>('flowRef'))
      .where('status', '=', 'approved')
      .returning(['amr', 'answered_method_id']),
  ),
  cancelPending: precompile<Pick<Row, 'id'>, { userId: string; flowRef: string; now: number }>(db, () =>
    db
      .updateTable('push_challenges')
      .set({ status: 'expired', answered_at: param<number>('now') })
      .where('user_id', '=', param<string>('userId'))
      .where('flow_ref', '=', param<string>('flowRef'))
      .where('status', '=', PENDING)
      .returning('id'),
  ),
  settle: precompile<unknown, { id: string; status: string; methodId: string; amr: string | null; now: number }>(db, () =>
    db
      .updateTable('push_challenges')
      .set({ status: param('status'), answered_method_id: param<string>('methodId'), amr: param<string | null>('amr'), answered_at: param<number>('now') })
      .where('id', '=', param<string>('id'))
      .where('status', '=', PENDING)
      .where('expires_at', '>', param<number>('now')),
  ),
}));

/**
 * A device read together with the requests a signed request of it is about, in one statement: the
 * device's row with a request's columns beside it (`c_…`, null when there is none). The signature is
 * still verified with the device's key before anything read here is used.
 */
const CHALLENGE_COLUMNS = ['id', 'user_id', 'kind', 'target_method_ids', 'flow_ref', 'number', 'display', 'uv_challenge', 'status', 'answered_method_id', 'amr', 'created_at', 'expires_at', 'answered_at'] as const;
type Beside = Selectable<MfaMethodsTable> & { [K in (typeof CHALLENGE_COLUMNS)[number] as `c_${K}`]: Row[K] | null };
const besideDevice = perStore((db: Deps['db']) => {
  const columns = CHALLENGE_COLUMNS.map((c) => sql.ref(`push_challenges.${c}`).as(`c_${c}`));
  return {
    /** The device, one request by id, and the person's run of refusals (a device's answer). */
    withChallenge: precompile<Beside & { refusals: number | null }, { kid: string; id: string }>(db, () =>
      db
        .selectFrom('mfa_methods')
        .leftJoin('push_challenges', (j) => j.on('push_challenges.id', '=', param<string>('id')))
        .leftJoin('push_state', 'push_state.user_id', 'mfa_methods.user_id')
        .selectAll('mfa_methods')
        .select(columns)
        .select('push_state.consecutive_refusals as refusals')
        .where('mfa_methods.id', '=', param<string>('kid'))
        .where('mfa_methods.type', '=', 'push') as unknown as Compilable<Beside & { refusals: number | null }>,
    ),
    /** The device and its person's pending, unexpired requests (at most one: one pending per person). */
    withPending: precompile<Beside, { kid: string; now: number }>(db, () =>
      db
        .selectFrom('mfa_methods')
        .leftJoin('push_challenges', (j) => j.onRef('push_challenges.user_id', '=', 'mfa_methods.user_id').on('push_challenges.status', '=', PENDING).on('push_challenges.expires_at', '>', param<number>('now')))
        .selectAll('mfa_methods')
        .select(columns)
        .where('mfa_methods.id', '=', param<string>('kid'))
        .where('mfa_methods.type', '=', 'push') as unknown as Compilable<Beside>,
    ),
  };
});

function requestBeside(r: Beside): Row | undefined {
  if (r.c_id === null) return undefined;
  const row: Record<string, unknown> = {};
  for (const c of CHALLENGE_COLUMNS) row[c] = r[`c_${c}`];
  return row as Row;
}

/**
 * The device named `kid` (as {@link findDevice}), the request `id` (as {@link findChallenge}) and the
 * person's denials and time-outs in a row (0 when none is counted), in one statement.
 */
export async function findDeviceWithChallenge(deps: Deps, kid: unknown, id: unknown): Promise<{ device: MethodRecord; challenge: Row | undefined; refusals: number } | undefined> {
  if (!isDeviceId(kid)) return undefined;
  if (typeof id !== 'string' || !/^[\w-]{1,64}$/.test(id)) {
    const device = await findDevice(deps.db, kid);
    return device && { device, challenge: undefined, refusals: 0 };
  }
  const r = (await besideDevice(deps.db).withChallenge({ kid, id })).rows[0];
  const device = asDevice(r);
  return device && { device, challenge: requestBeside(r!), refusals: Number(r!.refusals ?? 0) };
}

/** The device named `kid` (as {@link findDevice}) and the requests waiting for it (as {@link pendingForDevice}), in one statement. */
export async function findDeviceWithPending(deps: Deps, kid: unknown): Promise<{ device: MethodRecord; pending: Row[] } | undefined> {
  if (!isDeviceId(kid)) return undefined;
  const { rows } = await besideDevice(deps.db).withPending({ kid, now: deps.clock.now() });
  const device = asDevice(rows[0]);
  if (!device) return undefined;
  const pending = rows.map(requestBeside).filter((r): r is Row => r !== undefined && isTarget(r, device));
  return { device, pending };
}

/** What the device shows about a request (docs/authenticator-api.md, "Challenge"). */
export interface ChallengeContext {
  app: string;
  action: string | null;
  browser: string | null;
  os: string | null;
  ip: string | null;
}

export interface StartRequest {
  kind: 'sign_in' | 'enroll';
  /** What the approval will count for: `interaction:<uid>` or `enroll:<methodId>`. */
  flowRef: string;
  /** The devices asked: one pending device for an enrollment, every active device (null) for a sign-in. */
  targets: string[] | null;
  context: ChallengeContext;
}

export interface StartedChallenge {
  id: string;
  /** Shown in the browser only. */
  number: string;
  status: Row['status'];
  expiresAt: number;
}

export type StartOutcome =
  | { ok: true; challenge: StartedChallenge; reused: boolean }
  | { ok: false; reason: 'busy' | 'paused' | 'throttled'; retryAfterMs?: number };

/** A two-digit number, 10–99, uniformly (rejection sampling over one byte). */
export function twoDigitNumber(deps: Pick<Deps, 'random'>): string {
  for (;;) {
    const b = deps.random.bytes(1)[0]!;
    if (b < 180) return String(10 + (b % 90));
  }
}

const started = (r: Row): StartedChallenge => ({ id: r.id, number: r.number, status: r.status, expiresAt: r.expires_at });

/**
 * Requests of the person that ran out unanswered become `expired`; a sign-in's time-out counts
 * towards the pause like a denial (someone was sent a request nobody answered).
 */
export async function expireStale(deps: Deps, userId: string, where: AuditContext = {}, now = deps.clock.now()): Promise<void> {
  const rows = await deps.db.updateTable('push_challenges').set({ status: 'expired', answered_at: now }).where('user_id', '=', userId).where('status', '=', PENDING).where('expires_at', '<=', now).returning(['id', 'kind']).execute();
  for (const r of rows) {
    await deps.events.publish(challengeChannel(r.id), { status: 'expired' }).catch(() => {});
    if (r.kind !== 'sign_in') continue;
    const paused = await recordRefusal(deps, userId);
    await audit(deps.db, deps.clock, { ...where, event: 'push.timed_out', userId, details: { challengeId: r.id } });
    if (paused) await audit(deps.db, deps.clock, { ...where, event: 'push.paused', userId, details: { after: 'refusals' } });
  }
}

/** The latest request made for a flow (any status), if any. */
export async function challengeForFlow(deps: Deps, userId: string, flowRef: string): Promise<Row | undefined> {
  return deps.db.selectFrom('push_challenges').selectAll().where('user_id', '=', userId).where('flow_ref', '=', flowRef).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
}

/**
 * What starting a request needs to know, in one read: the person's pending requests (at most one, by
 * the unique index; expired ones included) and the requests of this flow, newest first.
 */
async function requestsAtStart(deps: Deps, userId: string, flowRef: string): Promise<Row[]> {
  return (await statements(deps.db).atStart({ userId, flowRef })).rows;
}

export async function findChallenge(deps: Deps, id: unknown): Promise<Row | undefined> {
  if (typeof id !== 'string' || !/^[\w-]{1,64}$/.test(id)) return undefined;
  return (await statements(deps.db).byId({ id })).rows[0];
}

/**
 * Starts a request, within the limits: one pending request per person (the same flow gets its pending
 * request back, any other flow `busy`), a budget per window, and the pause. The number stays here.
 */
export async function startPushChallenge(deps: Deps, user: User, req: StartRequest, devices: MethodRecord[], where: AuditContext): Promise<StartOutcome> {
  const now = deps.clock.now();
  // One read instead of three (expire, this flow's latest, the person's pending one): the conditional
  // UPDATE that expires stale requests runs only when one was seen, and the rows read are judged as
  // they stand after it (a pending row past its expiry counts as expired).
  const rows = await requestsAtStart(deps, user.id, req.flowRef);
  if (rows.some((r) => r.status === 'pending' && r.expires_at <= now)) await expireStale(deps, user.id, where, now);
  const mine = rows.find((r) => r.flow_ref === req.flowRef);
  // An approval not yet used by its browser is shown again, not replaced by a new request.
  if (mine && ((mine.status === 'pending' && mine.expires_at > now) || mine.status === 'approved')) return { ok: true, challenge: started(mine), reused: true };
  const pending = rows.some((r) => r.status === 'pending' && r.expires_at > now);
  if (pending) {
    await audit(deps.db, deps.clock, { ...where, event: 'push.busy', userId: user.id });
    return { ok: false, reason: 'busy' };
  }
  const budget = await takeRequest(deps, user.id);
  if (!budget.ok) {
    await audit(deps.db, deps.clock, { ...where, event: budget.reason === 'paused' ? 'push.refused_paused' : 'push.throttled', userId: user.id, details: { retryAfterMs: budget.retryAfterMs } });
    return budget;
  }
  const row: Row = {
    id: randomId(deps.random, 16),
    user_id: user.id,
    kind: req.kind,
    target_method_ids: req.targets ? JSON.stringify(req.targets) : null,
    flow_ref: req.flowRef,
    number: twoDigitNumber(deps),
    display: JSON.stringify(req.context),
    uv_challenge: randomId(deps.random, 32),
    status: 'pending',
    answered_method_id: null,
    amr: null,
    created_at: now,
    expires_at: now + deps.config.pushChallengeSeconds * 1000,
    answered_at: null,
  };
  try {
    await statements(deps.db).insert(row);
  } catch {
    // The unique "one pending per person" index: another request (perhaps on another instance) won.
    const again = await challengeForFlow(deps, user.id, req.flowRef);
    if (again && again.status === 'pending') return { ok: true, challenge: started(again), reused: true };
    return { ok: false, reason: 'busy' };
  }
  await audit(deps.db, deps.clock, { ...where, event: 'push.requested', userId: user.id, details: { challengeId: row.id, kind: row.kind, app: req.context.app } });
  await deps.events.publish(userChannel(user.id), { challengeId: row.id }).catch(() => {});
  void deliver(deps, devices, { type: 'challenge', id: row.id, app: req.context.app, expiresAt: row.expires_at });
  return { ok: true, challenge: started(row), reused: false };
}

/** Whether `device` is asked by a request: its own enrollment's test, or a sign-in once it is active. */
export function isTarget(row: Pick<Row, 'target_method_ids' | 'user_id'>, device: MethodRecord): boolean {
  if (row.user_id !== device.userId) return false;
  if (row.target_method_ids === null) return device.status === 'active';
  try {
    return (JSON.parse(row.target_method_ids) as string[]).includes(device.id);
  } catch {
    return false;
  }
}

/** The requests waiting for a device now (at most one: one pending per person). */
export async function pendingForDevice(deps: Deps, device: MethodRecord): Promise<Row[]> {
  const { rows } = await statements(deps.db).pendingFor({ userId: device.userId, now: deps.clock.now() });
  return rows.filter((r) => isTarget(r, device));
}

/** A request as the device sees it: everything but the number. */
export function challengeJson(r: Row) {
  const c = JSON.parse(r.display) as ChallengeContext;
  return {
    id: r.id,
    kind: r.kind,
    app: c.app,
    action: c.action ?? null,
    browser: c.browser ?? null,
    os: c.os ?? null,
    ip: c.ip ?? null,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    userVerificationChallenge: r.uv_challenge,
  };
}

/**
 * Uses an approval for the flow it was made for: one conditional UPDATE from `approved` to `consumed`,
 * bound to the request id, the person and the flow, so an approval works once and only there.
 */
export async function consumeApproval(deps: Deps, q: { id: unknown; userId: string; flowRef: string }): Promise<{ amr: string[]; methodId: string } | undefined> {
  if (typeof q.id !== 'string') return undefined;
  const r = (await statements(deps.db).consume({ id: q.id, userId: q.userId, flowRef: q.flowRef })).rows[0];
  if (!r?.answered_method_id) return undefined;
  return { amr: JSON.parse(r.amr ?? '["swk"]') as string[], methodId: r.answered_method_id };
}

/** Ends a flow's pending request (the person chose another way, or the wizard went back). */
export async function cancelPending(deps: Deps, userId: string, flowRef: string): Promise<void> {
  const { rows } = await statements(deps.db).cancelPending({ userId, flowRef, now: deps.clock.now() });
  for (const r of rows) await deps.events.publish(challengeChannel(r.id), { status: 'expired' }).catch(() => {});
}

/**
 * Answers a request: one conditional UPDATE from `pending` (and unexpired) to `status`, so of two
 * answers — two requests, two instances — exactly one applies. Wakes whoever waits on the request.
 */
export async function settleChallenge(deps: Deps, id: string, status: 'approved' | 'denied' | 'reported' | 'failed', methodId: string, amr: string[] | null): Promise<boolean> {
  const now = deps.clock.now();
  const r = await statements(deps.db).settle({ id, status, methodId, amr: amr ? JSON.stringify(amr) : null, now });
  if (Number(r.numAffectedRows ?? 0) !== 1) return false;
  await deps.events.publish(challengeChannel(id), { status }).catch(() => {});
  return true;
}
