import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { Clock } from '../clock.ts';
import type { LoginFlowsTable } from './schema.ts';
import { param, perStore, precompile } from './precompiled.ts';

export interface LoginFlow {
  uid: string;
  email: string | null;
  userId: string | null;
  step: string;
  amr: string[];
  data: Record<string, unknown>;
}

type Row = Selectable<LoginFlowsTable>;

/** Every step of every sign-in reads its flow and most store it: built and compiled once per store (precompiled.ts). */
const statements = perStore((db: Db) => ({
  load: precompile<Row, { uid: string }>(db, () => db.selectFrom('login_flows').selectAll().where('uid', '=', param<string>('uid'))),
  save: precompile<unknown, Row>(db, () => {
    const row = {
      email: param<string | null>('email'),
      user_id: param<string | null>('user_id'),
      step: param<string>('step'),
      amr: param<string>('amr'),
      data: param<string>('data'),
      expires_at: param<number>('expires_at'),
    };
    return db
      .insertInto('login_flows')
      .values({ uid: param<string>('uid'), ...row })
      .onConflict((oc) => oc.column('uid').doUpdateSet(row));
  }),
  remove: precompile<unknown, { uid: string }>(db, () => db.deleteFrom('login_flows').where('uid', '=', param<string>('uid'))),
}));

export async function loadLoginFlow(db: Db, clock: Clock, uid: string): Promise<LoginFlow | undefined> {
  const row = (await statements(db).load({ uid })).rows[0];
  if (!row || row.expires_at <= clock.now()) return undefined;
  return { uid: row.uid, email: row.email, userId: row.user_id, step: row.step, amr: JSON.parse(row.amr), data: JSON.parse(row.data) };
}

export async function saveLoginFlow(db: Db, clock: Clock, flow: LoginFlow, ttlMs: number): Promise<void> {
  await statements(db).save({
    uid: flow.uid,
    email: flow.email,
    user_id: flow.userId,
    step: flow.step,
    amr: JSON.stringify(flow.amr),
    data: JSON.stringify(flow.data),
    expires_at: clock.now() + ttlMs,
  });
}

export async function deleteLoginFlow(db: Db, uid: string): Promise<void> {
  await statements(db).remove({ uid });
}
