import { sql, type Selectable } from 'kysely';
import type { Db } from './db.ts';
import { systemRandom, type Clock, type Random } from '../clock.ts';
import type { LoginFlowsTable } from './schema.ts';
import { param, perStore, precompile } from './precompiled.ts';

export interface LoginFlow {
  uid: string;
  email: string | null;
  userId: string | null;
  step: string;
  amr: string[];
  data: Record<string, unknown>;
  /**
   * The stored version this flow was read or last saved at — one box shared by every copy made from
   * it (`{ ...flow }`), so a request that saves twice saves over its own first save. Absent for a
   * flow never stored. See {@link saveLoginFlow}'s `ifUnchanged`.
   */
  stored?: { version: number; content: Content };
}

/** What a flow holds, column by column as stored: a step whose flow is what it read stores nothing. */
type Content = Pick<Values, 'email' | 'user_id' | 'step' | 'amr' | 'data'>;
const contentOf = (v: Content): Content => ({ email: v.email, user_id: v.user_id, step: v.step, amr: v.amr, data: v.data });
const sameContent = (a: Content, b: Content) => a.data === b.data && a.amr === b.amr && a.step === b.step && a.user_id === b.user_id && a.email === b.email;

/** The flow moved on since this request read it: another request of the same sign-in changed or ended it. */
export class FlowChanged extends Error {
  constructor(readonly uid: string) {
    super('the sign-in flow changed since it was read');
  }
}

type Row = Selectable<LoginFlowsTable>;

const columns = {
  email: param<string | null>('email'),
  user_id: param<string | null>('user_id'),
  step: param<string>('step'),
  amr: param<string>('amr'),
  data: param<string>('data'),
  expires_at: param<number>('expires_at'),
};
type Values = { uid: string; email: string | null; user_id: string | null; step: string; amr: string; data: string; expires_at: number };

/** Every step of every sign-in reads its flow and most store it: built and compiled once per store (precompiled.ts). */
const statements = perStore((db: Db) => ({
  load: precompile<Row, { uid: string }>(db, () => db.selectFrom('login_flows').selectAll().where('uid', '=', param<string>('uid'))),
  /** Stores whatever is there: a flow never read, or a key that is not a sign-in's. */
  save: precompile<Pick<Row, 'version'>, Values & { start: number }>(db, () =>
    db
      .insertInto('login_flows')
      .values({ uid: param<string>('uid'), ...columns, version: param<number>('start') })
      .onConflict((oc) => oc.column('uid').doUpdateSet({ ...columns, version: sql<number>`login_flows.version + 1` }))
      .returning('version'),
  ),
  /** Stores over the version read only. */
  saveOver: precompile<unknown, Values & { version: number }>(db, () =>
    db
      .updateTable('login_flows')
      .set({ ...columns, version: sql<number>`version + 1` })
      .where('uid', '=', param<string>('uid'))
      .where('version', '=', param<number>('version')),
  ),
  remove: precompile<unknown, { uid: string }>(db, () => db.deleteFrom('login_flows').where('uid', '=', param<string>('uid'))),
  removeOver: precompile<unknown, { uid: string; version: number }>(db, () => db.deleteFrom('login_flows').where('uid', '=', param<string>('uid')).where('version', '=', param<number>('version'))),
}));

export async function loadLoginFlow(db: Db, clock: Clock, uid: string): Promise<LoginFlow | undefined> {
  const row = (await statements(db).load({ uid })).rows[0];
  if (!row || row.expires_at <= clock.now()) return undefined;
  return { uid: row.uid, email: row.email, userId: row.user_id, step: row.step, amr: JSON.parse(row.amr), data: JSON.parse(row.data), stored: { version: Number(row.version), content: contentOf(row) } };
}

/**
 * A new row's first version: random (30 bits), not 0, so that a flow ended and started again under
 * the same key ("Not you?") does not take up the numbers of the one a stale reading saw.
 */
function firstVersion(random: Random): number {
  return random.bytes(4).readUInt32BE(0) >>> 2;
}

/**
 * Stores a flow. With `ifUnchanged` (a sign-in's steps), a flow read from the store is stored only
 * over the version it was read at, and throws {@link FlowChanged} when another request changed or
 * ended it since — the later step is told, instead of undoing the other's change (decision 0025).
 * A flow equal to what it read is not written at all (its expiry stays). Either way the flow's
 * `stored` box follows what is stored.
 */
export async function saveLoginFlow(db: Db, clock: Clock, flow: LoginFlow, ttlMs: number, o: { ifUnchanged?: boolean; random?: Random } = {}): Promise<void> {
  const values: Values = {
    uid: flow.uid,
    email: flow.email,
    user_id: flow.userId,
    step: flow.step,
    amr: JSON.stringify(flow.amr),
    data: JSON.stringify(flow.data),
    expires_at: clock.now() + ttlMs,
  };
  const content = contentOf(values);
  if (o.ifUnchanged && flow.stored) {
    // Nothing to store (a page drawn again after a wrong code): no write, and no conflict with a
    // parallel request of the same step — each answers for itself, as before versions.
    if (sameContent(content, flow.stored.content)) return;
    const r = await statements(db).saveOver({ ...values, version: flow.stored.version });
    if (Number(r.numAffectedRows ?? 0) !== 1) throw new FlowChanged(flow.uid);
    flow.stored.version++;
    flow.stored.content = content;
    return;
  }
  const version = Number((await statements(db).save({ ...values, start: firstVersion(o.random ?? systemRandom) })).rows[0]?.version ?? 0);
  if (flow.stored) Object.assign(flow.stored, { version, content });
  else flow.stored = { version, content };
}

/** Ends a flow; with `ifUnchanged`, only the version `flow` was read at ({@link FlowChanged} otherwise). */
export async function deleteLoginFlow(db: Db, uid: string, o: { ifUnchanged?: LoginFlow } = {}): Promise<void> {
  const stored = o.ifUnchanged?.stored;
  if (!stored) {
    await statements(db).remove({ uid });
    return;
  }
  const r = await statements(db).removeOver({ uid, version: stored.version });
  if (Number(r.numAffectedRows ?? 0) !== 1) throw new FlowChanged(uid);
}
