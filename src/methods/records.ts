import type { Selectable } from 'kysely';
import type { Db } from '../store/db.ts';
import type { MfaMethodsTable } from '../store/schema.ts';
import type { Clock, Random } from '../clock.ts';
import { randomId } from '../clock.ts';
import { methodName } from '../security/untrusted-text.ts';

/** A method as the product sees it; the sealed secret stays in the row and is never copied out. */
export interface MethodRecord {
  id: string;
  userId: string;
  type: string;
  name: string;
  status: 'pending' | 'active';
  isDefault: boolean;
  credentialId: string | null;
  data: Record<string, unknown>;
  counter: number;
  createdAt: number;
  lastUsedAt: number | null;
}

type Row = Selectable<MfaMethodsTable>;

/** A stored row as the product sees it. */
export function toMethodRecord(r: Row): MethodRecord {
  return {
    id: r.id,
    userId: r.user_id,
    type: r.type,
    // Cleaned on the way out as well: rows written before names were cleaned on the way in.
    name: methodName(r.name),
    status: r.status,
    isDefault: r.is_default === 1,
    credentialId: r.credential_id,
    data: JSON.parse(r.data) as Record<string, unknown>,
    counter: Number(r.counter),
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

export async function listActiveMethods(db: Db, userId: string): Promise<MethodRecord[]> {
  const rows = await db.selectFrom('mfa_methods').selectAll().where('user_id', '=', userId).where('status', '=', 'active').orderBy('created_at').execute();
  return rows.map(toMethodRecord);
}

export async function findMethod(db: Db, userId: string, id: string): Promise<MethodRecord | undefined> {
  const r = await db.selectFrom('mfa_methods').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return r ? toMethodRecord(r) : undefined;
}

export async function findMethodByCredentialId(db: Db, credentialId: string): Promise<MethodRecord | undefined> {
  const r = await db.selectFrom('mfa_methods').selectAll().where('credential_id', '=', credentialId).where('status', '=', 'active').executeTakeFirst();
  return r ? toMethodRecord(r) : undefined;
}

/** The sealed secret of a method, for the method's own verification code only. */
export async function methodSecret(db: Db, id: string): Promise<string | null> {
  const r = await db.selectFrom('mfa_methods').select('secret').where('id', '=', id).executeTakeFirst();
  return r?.secret ?? null;
}

/** Creates a method awaiting confirmation; its name is cleaned ({@link methodName}). */
export async function insertPendingMethod(
  db: Db,
  clock: Clock,
  random: Random,
  m: { userId: string; type: string; name: string; secret?: string | null; credentialId?: string | null; data?: Record<string, unknown> },
): Promise<string> {
  const id = randomId(random, 12);
  // Abandoned pending methods of the same type are replaced, never activated later by surprise.
  await db.deleteFrom('mfa_methods').where('user_id', '=', m.userId).where('type', '=', m.type).where('status', '=', 'pending').execute();
  await db
    .insertInto('mfa_methods')
    .values({
      id,
      user_id: m.userId,
      type: m.type,
      name: methodName(m.name),
      status: 'pending',
      is_default: 0,
      secret: m.secret ?? null,
      credential_id: m.credentialId ?? null,
      data: JSON.stringify(m.data ?? {}),
      counter: -1,
      created_at: clock.now(),
      last_used_at: null,
    })
    .execute();
  return id;
}

/** Activates a confirmed method; the first active method becomes the default. */
export async function activateMethod(db: Db, clock: Clock, userId: string, id: string, patch: { credentialId?: string; data?: Record<string, unknown>; counter?: number } = {}): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const hasDefault = await trx.selectFrom('mfa_methods').select('id').where('user_id', '=', userId).where('status', '=', 'active').where('is_default', '=', 1).executeTakeFirst();
    const r = await trx
      .updateTable('mfa_methods')
      .set({
        status: 'active',
        is_default: hasDefault ? 0 : 1,
        created_at: clock.now(),
        last_used_at: clock.now(),
        ...(patch.credentialId !== undefined ? { credential_id: patch.credentialId } : {}),
        ...(patch.data !== undefined ? { data: JSON.stringify(patch.data) } : {}),
        ...(patch.counter !== undefined ? { counter: patch.counter } : {}),
      })
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  });
}

/**
 * Moves the counter forward only: one conditional UPDATE, so of two requests carrying the same
 * TOTP step (or WebAuthn counter) exactly one wins.
 */
export async function advanceCounter(db: Db, clock: Clock, id: string, value: number): Promise<boolean> {
  const r = await db
    .updateTable('mfa_methods')
    .set({ counter: value, last_used_at: clock.now() })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .where('counter', '<', value)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function touchMethod(db: Db, clock: Clock, id: string, data?: Record<string, unknown>): Promise<void> {
  await db.updateTable('mfa_methods').set({ last_used_at: clock.now(), ...(data ? { data: JSON.stringify(data) } : {}) }).where('id', '=', id).execute();
}

/**
 * Renames an active method (or, during enrollment, the pending one). The name is cleaned first
 * ({@link methodName}); a name with nothing printable left renames nothing and returns false.
 */
export async function renameMethod(db: Db, userId: string, id: string, name: string, status: MethodRecord['status'] = 'active'): Promise<boolean> {
  const clean = methodName(name);
  if (!clean) return false;
  const r = await db.updateTable('mfa_methods').set({ name: clean }).where('user_id', '=', userId).where('id', '=', id).where('status', '=', status).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setDefaultMethod(db: Db, userId: string, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const target = await trx.selectFrom('mfa_methods').select('id').where('user_id', '=', userId).where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
    if (!target) return false;
    await trx.updateTable('mfa_methods').set({ is_default: 0 }).where('user_id', '=', userId).execute();
    await trx.updateTable('mfa_methods').set({ is_default: 1 }).where('id', '=', id).execute();
    return true;
  });
}

/** Removes one method; if it was the default, the oldest remaining one takes over. */
export async function removeMethod(db: Db, userId: string, id: string): Promise<boolean> {
  return db.transaction().execute((trx) => deleteMethod(trx, userId, id));
}

/** Deletes the method inside the caller's transaction; the oldest remaining one becomes the default if it was. */
export async function deleteMethod(trx: Db, userId: string, id: string): Promise<boolean> {
  const r = await trx.deleteFrom('mfa_methods').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) !== 1) return false;
  const rest = await trx.selectFrom('mfa_methods').select(['id', 'is_default']).where('user_id', '=', userId).where('status', '=', 'active').orderBy('created_at').execute();
  if (rest.length && !rest.some((m) => m.is_default === 1)) await trx.updateTable('mfa_methods').set({ is_default: 1 }).where('id', '=', rest[0]!.id).execute();
  return true;
}

export async function removeAllMethods(db: Db, userId: string): Promise<number> {
  const r = await db.deleteFrom('mfa_methods').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}
