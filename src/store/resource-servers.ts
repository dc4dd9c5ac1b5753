import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { ResourceServersTable } from './schema.ts';
import type { Clock } from '../clock.ts';

export type ResourceServerRow = Selectable<ResourceServersTable>;

export async function createResourceServer(db: Db, clock: Clock, input: { identifier: string; name: string; scopes?: string; accessTokenTtl?: number }): Promise<void> {
  await db
    .insertInto('resource_servers')
    .values({ identifier: input.identifier, name: input.name, scopes: input.scopes ?? '', access_token_ttl: input.accessTokenTtl ?? 600, created_at: clock.now() })
    .execute();
}

export async function findResourceServer(db: Db, identifier: string): Promise<ResourceServerRow | undefined> {
  return db.selectFrom('resource_servers').selectAll().where('identifier', '=', identifier).executeTakeFirst();
}

export async function listResourceServers(db: Db): Promise<ResourceServerRow[]> {
  return db.selectFrom('resource_servers').selectAll().orderBy('created_at').execute();
}
