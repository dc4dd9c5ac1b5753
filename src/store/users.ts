import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { UsersTable } from './schema.ts';
import type { Clock, Random } from '../clock.ts';
import { randomId } from '../clock.ts';
import { displayName } from '../security/untrusted-text.ts';
import { param, perStore, precompile } from './precompiled.ts';

export type User = Selectable<UsersTable>;

/** One account per address: trimmed and lower-cased before every lookup and insert. */
export function canonicalEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isPlausibleEmail(email: string): boolean {
  // No control character either: PostgreSQL refuses a NUL in text (a 500 where a 400 belongs, breaker).
  return email.length <= 254 && /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u.test(email);
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return (await lookups(db).byEmail({ email: canonicalEmail(email) })).rows[0];
}

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  return (await lookups(db).byId({ id })).rows[0];
}

/** Both lookups run on every sign-in: compiled once per store (src/store/precompiled.ts). */
const lookups = perStore((db: Db) => ({
  byEmail: precompile<User, { email: string }>(db, () => db.selectFrom('users').selectAll().where('email', '=', param<string>('email'))),
  byId: precompile<User, { id: string }>(db, () => db.selectFrom('users').selectAll().where('id', '=', param<string>('id'))),
}));

export interface NewUser {
  email: string;
  name?: string;
  passwordHash: string | null;
  emailVerified: boolean;
  orgId?: string | null;
}

export class DuplicateEmailError extends Error {
  override name = 'DuplicateEmailError';
}

export async function createUser(db: Db, clock: Clock, random: Random, input: NewUser): Promise<User> {
  const now = clock.now();
  const user: User = {
    id: randomId(random),
    email: canonicalEmail(input.email),
    email_verified: input.emailVerified ? 1 : 0,
    name: displayName(input.name ?? ''),
    password_hash: input.passwordHash,
    disabled: 0,
    org_id: input.orgId ?? null,
    sessions_valid_after: 0,
    created_at: now,
    updated_at: now,
  };
  const inserted = await db
    .insertInto('users')
    .values(user)
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) throw new DuplicateEmailError('an account with this email exists');
  return user;
}

export async function listUsers(db: Db): Promise<User[]> {
  return db.selectFrom('users').selectAll().orderBy('created_at').execute();
}

/** Updates an account; a display name is stored cleaned ({@link displayName}). */
export async function updateUser(db: Db, clock: Clock, id: string, patch: Partial<Pick<User, 'name' | 'password_hash' | 'email_verified' | 'disabled' | 'sessions_valid_after' | 'org_id'>>): Promise<void> {
  const clean = patch.name === undefined ? patch : { ...patch, name: displayName(patch.name) };
  await db.updateTable('users').set({ ...clean, updated_at: clock.now() }).where('id', '=', id).execute();
}
