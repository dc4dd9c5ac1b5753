import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { namesColumnsByWildcard, withStatementCache } from '../../src/store/db.ts';

// Breaker, 2026-11-30. src/store/db.ts rowsAsObjects: a cached read statement keeps the row function
// made from its first column names and rebuilds it only when the row *width* changes. A schema
// change that keeps the width — a renamed column, or a table rebuilt with its columns in another
// order (SQLite migrations rebuild tables) — re-prepares the statement inside SQLite, and the cached
// function then puts values under the wrong names. better-sqlite3's own objects (before 245d5c5)
// followed the new columns. Reachable when `gatehouse migrate` (another process) changes the schema
// under a running server.
test('rows follow the columns after a same-width schema change', () => {
  const sqlite = new Database(':memory:');
  sqlite.exec('create table t (x int, y int); insert into t values (1, 2)');
  const db = withStatementCache(sqlite);
  const read = () => (db.prepare('select * from t') as unknown as { all(p: unknown[]): unknown[] }).all([]);
  assert.deepEqual(read(), [{ x: 1, y: 2 }]);
  sqlite.exec('drop table t; create table t (y int, x int); insert into t values (2, 1)');
  assert.deepEqual(read(), [{ y: 2, x: 1 }], 'x and y swapped: the row function kept the old column order');
});

// Rows built from arrays are kept for statements that name their columns: their names and order are
// fixed by the text whatever the table's layout; `*` statements keep better-sqlite3's objects, and
// `count(*)` is not a wildcard.
test('statements that name their columns stay right across a schema change', () => {
  const sqlite = new Database(':memory:');
  sqlite.exec('create table t (x int, y int); insert into t values (1, 2)');
  const db = withStatementCache(sqlite);
  const run = (sql: string) => (db.prepare(sql) as unknown as { all(p: unknown[]): unknown[] }).all([]);
  const named = 'select y, x, count(*) as n from t';
  assert.deepEqual(run(named), [{ y: 2, x: 1, n: 1 }]);
  sqlite.exec('drop table t; create table t (y int, x int); insert into t values (20, 10)');
  assert.deepEqual(run(named), [{ y: 20, x: 10, n: 1 }]);
  assert.deepEqual(run('select t.* from t'), [{ y: 20, x: 10 }]);
  for (const [sql, wildcard] of [
    ['select * from t', true],
    ['select "t".* from "t"', true],
    ['insert into t values (1, 2) returning *', true],
    ['select count(*) from t', false],
    ['select count( * ), max(x) from t', false],
    ['select x, y from t', false],
  ] as const) assert.equal(namesColumnsByWildcard(sql), wildcard, sql);
});
