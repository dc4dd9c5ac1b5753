import type { Db } from './db.ts';
import type { Clock } from '../clock.ts';

export interface LoginFlow {
  uid: string;
  email: string | null;
  userId: string | null;
  step: string;
  amr: string[];
  data: Record<string, unknown>;
}

export async function loadLoginFlow(db: Db, clock: Clock, uid: string): Promise<LoginFlow | undefined> {
  const row = await db.selectFrom('login_flows').selectAll().where('uid', '=', uid).executeTakeFirst();
  if (!row || row.expires_at <= clock.now()) return undefined;
  return { uid: row.uid, email: row.email, userId: row.user_id, step: row.step, amr: JSON.parse(row.amr), data: JSON.parse(row.data) };
}

export async function saveLoginFlow(db: Db, clock: Clock, flow: LoginFlow, ttlMs: number): Promise<void> {
  const row = {
    email: flow.email,
    user_id: flow.userId,
    step: flow.step,
    amr: JSON.stringify(flow.amr),
    data: JSON.stringify(flow.data),
    expires_at: clock.now() + ttlMs,
  };
  await db
    .insertInto('login_flows')
    .values({ uid: flow.uid, ...row })
    .onConflict((oc) => oc.column('uid').doUpdateSet(row))
    .execute();
}

export async function deleteLoginFlow(db: Db, uid: string): Promise<void> {
  await db.deleteFrom('login_flows').where('uid', '=', uid).execute();
}
