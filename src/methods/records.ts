import type { Selectable } from 'kysely';
import type { Db } from '../store/db.ts';
import type { MfaMethodsTable } from '../store/schema.ts';
import type { Clock, Random } from '../clock.ts';
import { randomId } from '../clock.ts';
import { methodName } from '../security/untrusted-text.ts';
import { param, perStore, precompile } from '../store/precompiled.ts';
import type { User } from '../store/users.ts';

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

/** A stored row as the product sees it (the sealed secret is not needed, and never copied). */
export function toMethodRecord(r: Omit<Row, 'secret'>): MethodRecord {
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
  const { rows } = await activeMethods(db)({ userId });
  return rows.map(toMethodRecord);
}

/** Read at every password (the person's methods at the first factor): compiled once per store. */
const activeMethods = perStore((db: Db) =>
  precompile<Row, { userId: string }>(db, () => db.selectFrom('mfa_methods').selectAll().where('user_id', '=', param<string>('userId')).where('status', '=', 'active').orderBy('created_at')),
);

/**
 * A person and their active methods in one statement (the gate's view at every step of a sign-in):
 * the person's row with each active method beside it, oldest first, or one row without a method.
 * Built and compiled once per store (src/store/precompiled.ts).
 */
const withActiveMethods = perStore((db: Db) =>
  precompile<User & { [K in keyof Omit<Row, 'secret'> as `m_${K & string}`]: Row[K] | null }, { id: string }>(db, () =>
    db
      .selectFrom('users')
      .leftJoin('mfa_methods', (j) => j.onRef('mfa_methods.user_id', '=', 'users.id').on('mfa_methods.status', '=', 'active'))
      .selectAll('users')
      .select([
        'mfa_methods.id as m_id',
        'mfa_methods.user_id as m_user_id',
        'mfa_methods.type as m_type',
        'mfa_methods.name as m_name',
        'mfa_methods.status as m_status',
        'mfa_methods.is_default as m_is_default',
        'mfa_methods.credential_id as m_credential_id',
        'mfa_methods.data as m_data',
        'mfa_methods.counter as m_counter',
        'mfa_methods.created_at as m_created_at',
        'mfa_methods.last_used_at as m_last_used_at',
      ])
      .where('users.id', '=', param<string>('id'))
      .orderBy('mfa_methods.created_at'),
  ),
);

const METHOD_ALIASES = new Set(['m_id', 'm_user_id', 'm_type', 'm_name', 'm_status', 'm_is_default', 'm_credential_id', 'm_data', 'm_counter', 'm_created_at', 'm_last_used_at']);

/** The person with this id and their active methods (as {@link listActiveMethods}), or undefined. */
export async function findUserWithActiveMethods(db: Db, id: string): Promise<{ user: User; methods: MethodRecord[] } | undefined> {
  const { rows } = await withActiveMethods(db)({ id });
  const first = rows[0];
  if (!first) return undefined;
  const user = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(first)) if (!METHOD_ALIASES.has(k)) user[k] = v;
  const methods = rows
    .filter((r) => r.m_id !== null)
    .map((r) =>
      toMethodRecord({
        id: r.m_id!,
        user_id: r.m_user_id!,
        type: r.m_type!,
        name: r.m_name!,
        status: r.m_status!,
        is_default: r.m_is_default!,
        credential_id: r.m_credential_id,
        data: r.m_data!,
        counter: r.m_counter!,
        created_at: r.m_created_at!,
        last_used_at: r.m_last_used_at,
      }),
    );
  return { user: user as User, methods };
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
  if (data) await db.updateTable('mfa_methods').set({ last_used_at: clock.now(), data: JSON.stringify(data) }).where('id', '=', id).execute();
  else await touched(db)({ id, now: clock.now() });
}

/** A method used (every push approval): compiled once per store. */
const touched = perStore((db: Db) =>
  precompile<unknown, { id: string; now: number }>(db, () => db.updateTable('mfa_methods').set({ last_used_at: param<number>('now') }).where('id', '=', param<string>('id'))),
);

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
