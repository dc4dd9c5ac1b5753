import { Migrator, PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m0001 from './migrations/0001_initial.ts';
import * as m0002 from './migrations/0002_second_factors.ts';
import * as m0003 from './migrations/0003_attempts_per_kind.ts';
import * as m0004 from './migrations/0004_password_attempts.ts';
import * as m0005 from './migrations/0005_push.ts';
import * as m0006 from './migrations/0006_org_domains.ts';
import * as m0007 from './migrations/0007_sign_in_history.ts';
import * as m0008 from './migrations/0008_seen_devices.ts';
import * as m0009 from './migrations/0009_risk_covering_indexes.ts';
import * as m0010 from './migrations/0010_login_flow_versions.ts';

/** Migrations are imported statically: one list, the same for SQLite and PostgreSQL. */
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_second_factors': m0002,
  '0003_attempts_per_kind': m0003,
  '0004_password_attempts': m0004,
  '0005_push': m0005,
  '0006_org_domains': m0006,
  '0007_sign_in_history': m0007,
  '0008_seen_devices': m0008,
  '0009_risk_covering_indexes': m0009,
  '0010_login_flow_versions': m0010,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // Kysely looks for its migration tables in every schema unless told which one: with two
  // Gatehouse databases in one PostgreSQL (schemas, as the tests do) it would find the other's
  // lock table, skip creating its own and fail. Pin it to the schema the connection works in.
  const schema = db.getExecutor().adapter instanceof PostgresAdapter
    ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
    : undefined;
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'gatehouse_migrations',
    migrationLockTableName: 'gatehouse_migrations_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    // Kysely's migrator introspects the tables of every schema before it starts; on PostgreSQL that
    // query fails with "schema … does not exist" when another schema is dropped at that moment (the
    // test suites drop theirs all the time). Nothing was migrated then: try again.
    if (error && !failed && attempt < 5 && /does not exist/.test(String((error as Error).message))) {
      await new Promise((r) => setTimeout(r, 50 * attempt));
      continue;
    }
    if (error) {
      throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
    }
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }
}
