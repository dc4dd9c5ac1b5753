import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Database } from './schema.ts';
import { writeWatcher } from './write-watcher.ts';

export type Db = Kysely<Database>;

// PostgreSQL returns int8 as strings by default; epoch milliseconds fit a double exactly.
pg.types.setTypeParser(20, (v) => Number(v));

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Opens the store: PostgreSQL for `postgres://` URLs, otherwise an embedded SQLite file (`:memory:`
 * for tests). Every write refreshes this process's read caches (src/store/write-watcher.ts).
 */
export function openDb(databaseUrl: string, options: { pgSchema?: string; poolSize?: number } = {}): Db {
  if (isPostgresUrl(databaseUrl)) {
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: options.poolSize ?? 10,
      // Tests isolate each server in a schema of its own.
      ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
    });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [writeWatcher] });
  }
  if (databaseUrl !== ':memory:') mkdirSync(dirname(databaseUrl), { recursive: true });
  const sqlite = new SQLite(databaseUrl);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), plugins: [writeWatcher] });
}

/**
 * How many prepared statements an SQLite connection keeps. Gatehouse sends a few dozen distinct
 * statements; the bound only matters for statements built with a variable number of parameters
 * (`in (…)` lists), which would otherwise grow the cache without end.
 * @default 256
 */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SqliteDialect calls `prepare(sql)` for every query, and preparing (parsing and planning
 * the SQL) costs SQLite more than running a typical Gatehouse statement. better-sqlite3 statements
 * are reusable, so the connection handed to Kysely returns the statement prepared earlier for the
 * same SQL text: the real better-sqlite3 Statement, so Kysely's `stmt.reader` check (select vs.
 * run) works unchanged. A statement still iterating (Kysely's streaming) is busy and cannot be
 * shared: a fresh one is prepared for that call. Least recently used statements are evicted.
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        // Map keeps insertion order: re-inserting marks the statement as recently used.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      if (hit) return sqlite.prepare(sql);
      const stmt = sqlite.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return stmt;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}
