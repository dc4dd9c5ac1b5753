import { SqliteAdapter, type CreateTableBuilder, type Kysely } from 'kysely';

export function isSqlite(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/** An auto-incrementing integer `id` primary key in either dialect. */
export function autoId(db: Kysely<any>) {
  const sqlite = isSqlite(db);
  return <T extends string>(t: CreateTableBuilder<T, any>) =>
    sqlite
      ? t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}
