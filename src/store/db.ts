import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
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
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }), plugins: [writeWatcher] });
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
 * Kysely sends every PostgreSQL statement unnamed, so PostgreSQL parses and plans it on every run;
 * for the statements on the sign-in path that costs more than running them (the risk's facts
 * statement: 0.22 ms of planning). Each pooled connection instead prepares a statement once, under a
 * name made from its text, and then only binds new values (pg's named statements; PostgreSQL plans
 * again by itself when a table it reads changes). Statements without parameters (transaction
 * control, migrations) stay unnamed, and so do those whose columns come from a `*` ({@link
 * namesColumnsByWildcard}): after a migration added a column under a running server, a prepared
 * one fails with "cached plan must not change result type".
 */
function withNamedStatements(pool: pg.Pool): pg.Pool {
  const names = new Map<string, string | null>();
  const nameOf = (sql: string): string | null => {
    let name = names.get(sql);
    if (name === undefined) {
      name = namesColumnsByWildcard(sql) ? null : `gh_${createHash('sha256').update(sql).digest('base64url').slice(0, 24)}`;
      // Statements with `in (…)` lists of every length are the only ones that vary: bound like SQLite's cache.
      if (names.size >= STATEMENT_CACHE_SIZE * 4) names.clear();
      names.set(sql, name);
    }
    return name;
  };
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((text: unknown, values?: unknown, ...rest: unknown[]) => {
      const name = typeof text === 'string' && Array.isArray(values) && values.length > 0 && rest.length === 0 ? nameOf(text) : null;
      return name ? query({ name, text, values }) : query(text, values, ...rest);
    }) as typeof client.query;
  });
  return pool;
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
 * same SQL text (see {@link rowsAsObjects} for what it hands back for reads). A statement still
 * iterating (Kysely's streaming) is busy and cannot be shared: a fresh one is prepared for that
 * call. Least recently used statements are evicted.
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, Prepared>();
  return {
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit && !hit.stmt.busy) {
        // Map keeps insertion order: re-inserting marks the statement as recently used.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit.forKysely;
      }
      const made = prepared(sqlite.prepare(sql));
      if (hit) return made.forKysely;
      cache.set(sql, made);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return made.forKysely;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}

interface Prepared {
  stmt: SQLite.Statement;
  forKysely: SqliteStatement;
}

/** Whether a statement's result columns may come from a `*` (anything but `count(*)`); errs on the side of yes. */
export function namesColumnsByWildcard(sql: string): boolean {
  return sql.replace(/count\(\s*\*\s*\)/gi, '').includes('*');
}

/**
 * A read statement that names its columns gets rows built from arrays (see {@link rowsAsObjects}):
 * its names and width are fixed by its text. One whose columns come from a `*` (`select *`,
 * `returning *`) keeps better-sqlite3's own objects, which follow the columns as they are at each
 * run: a schema change (a migration by another process under a running server) makes SQLite
 * re-prepare it behind our back, perhaps with other columns under the same width (a renamed column,
 * a rebuilt table). Checking the schema counter before each reuse cost more than the arrays saved: it
 * opens a read transaction of its own (6–13 µs, more than a one-row read).
 */
function prepared(stmt: SQLite.Statement): Prepared {
  if (!stmt.reader || namesColumnsByWildcard(stmt.source)) return { stmt, forKysely: stmt };
  const toRow = rowsAsObjects(stmt);
  return {
    stmt,
    forKysely: {
      reader: true,
      all(parameters) {
        const rows = stmt.all(parameters) as unknown[][];
        const out = new Array<unknown>(rows.length);
        for (let i = 0; i < rows.length; i++) out[i] = toRow(rows[i]!);
        return out;
      },
      run: (parameters) => stmt.run(parameters),
      *iterate(parameters) {
        for (const r of stmt.iterate(parameters)) yield toRow(r as unknown[]);
      },
    },
  };
}

/**
 * better-sqlite3 builds each row object property by property through V8's API, which the bench
 * found to be a third of a small read's time (20 rows of the audit log: 86 µs as objects, 54 µs as
 * arrays). A read statement that names its columns is switched to arrays, and its rows become objects in a function made
 * once per statement from its column names — an object literal of one fixed shape, which V8 builds
 * fast. Same objects as before: the column names as keys (a later duplicate name wins, as it did),
 * the values untouched.
 */
function rowsAsObjects(stmt: SQLite.Statement): (r: unknown[]) => Record<string, unknown> {
  const names = stmt.columns().map((c) => c.name);
  stmt.raw(true);
  // Keys are JSON string literals, so no column name can be read as code; `__proto__` is left out,
  // so that no value can become a row's prototype (better-sqlite3 never made it a property either).
  const keys = names.map((n, i) => (n === '__proto__' ? '' : `${JSON.stringify(n)}: r[${i}]`)).filter(Boolean);
  return new Function('r', `return { ${keys.join(', ')} };`) as (r: unknown[]) => Record<string, unknown>;
}
