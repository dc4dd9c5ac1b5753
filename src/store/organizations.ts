import type { Db } from './db.ts';
import type { Clock, Random } from '../clock.ts';
import { randomId } from '../clock.ts';

export async function createOrganization(db: Db, clock: Clock, random: Random, name: string): Promise<{ id: string; name: string }> {
  const id = randomId(random, 12);
  await db.insertInto('organizations').values({ id, name, created_at: clock.now() }).execute();
  return { id, name };
}

export async function listOrganizations(db: Db) {
  return db.selectFrom('organizations').selectAll().orderBy('created_at').execute();
}

export async function findOrganizationByName(db: Db, name: string) {
  return db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
}
