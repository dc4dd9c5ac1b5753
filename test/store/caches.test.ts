import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { isPostgresUrl, withStatementCache } from '../../src/store/db.ts';
import { sql } from 'kysely';
import { readCache } from '../../src/store/read-cache.ts';
import { writeGeneration } from '../../src/store/write-watcher.ts';
import { cachedClientMetadata, cachedClientRow, setAppPolicy } from '../../src/store/clients.ts';

const t = await startTestGatehouse();
after(() => t.close());

test('an app change written in this process applies to the very next cached lookup', async () => {
  const { db, box } = t.gh.deps;
  const app = await t.createApp({ redirectUris: ['https://app.example/cb'], policy: 'adaptive' });
  assert.equal((await cachedClientRow(db, app.clientId))?.policy, 'adaptive');
  assert.ok(await setAppPolicy(db, app.clientId, 'required'));
  assert.equal((await cachedClientRow(db, app.clientId))?.policy, 'required');

  // A direct update (as the command line or a repair would write it) is noticed as well.
  const meta = await cachedClientMetadata(db, box, app.clientId);
  assert.equal(meta?.client_secret, app.clientSecret, 'the secret is decrypted for oidc-provider');
  const row = (await cachedClientRow(db, app.clientId))!;
  const stored = { ...JSON.parse(row.metadata), redirect_uris: ['https://app.example/new'] };
  await db.updateTable('clients').set({ metadata: JSON.stringify(stored) }).where('client_id', '=', app.clientId).execute();
  assert.deepEqual((await cachedClientMetadata(db, box, app.clientId))?.redirect_uris, ['https://app.example/new']);

  // Callers get their own copy of the metadata.
  meta!.client_name = 'changed by a caller';
  assert.notEqual((await cachedClientMetadata(db, box, app.clientId))?.client_name, 'changed by a caller');
});

test('an unknown app is not remembered: it exists as soon as it is created', async () => {
  const { db } = t.gh.deps;
  assert.equal(await cachedClientRow(db, 'not-yet'), undefined);
  await t.createApp({ clientId: 'not-yet', redirectUris: ['https://app.example/cb'] });
  assert.equal((await cachedClientRow(db, 'not-yet'))?.client_id, 'not-yet');
});

test('SQLite statements are prepared once per SQL text and stay usable while another iterates', () => {
  const sqlite = new SQLite(':memory:');
  const conn = withStatementCache(sqlite, 2);
  sqlite.exec('create table n (v integer); insert into n values (1), (2), (3)');
  const select = conn.prepare('select v from n order by v');
  assert.equal(conn.prepare('select v from n order by v'), select, 'the same statement');
  assert.equal(select.reader, true);
  assert.equal(conn.prepare('insert into n values (4)').reader, false);
  // A statement in the middle of an iteration is busy: the next caller gets a fresh one.
  const it = select.iterate([]);
  it.next();
  const other = conn.prepare('select v from n order by v');
  assert.notEqual(other, select);
  assert.equal((other.all([]) as { v: number }[]).length, 3);
  it.return?.();
  // Rows are plain objects keyed by column name, whichever way the statement is read.
  assert.deepEqual(select.all([]), [{ v: 1 }, { v: 2 }, { v: 3 }]);
  assert.deepEqual([...select.iterate([])], [{ v: 1 }, { v: 2 }, { v: 3 }]);
  // The cache is bounded: the least recently used statement is dropped.
  conn.prepare('select 1');
  conn.prepare('select 2');
  assert.notEqual(conn.prepare('select v from n order by v'), select);
  conn.close();
});

test('SQLite rows read as arrays become the same objects better-sqlite3 would build, odd column names included', () => {
  const sqlite = new SQLite(':memory:');
  const conn = withStatementCache(sqlite);
  sqlite.exec(`create table t (a text, "b c" integer, "x""y" text); insert into t values ('one', 2, 'q')`);
  const same = (q: string) => assert.deepEqual(conn.prepare(q).all([]), sqlite.prepare(q).all(), q);
  same('select * from t');
  same(`select a, "b c" as "} ; process.exit(1); //", "x""y" from t`);
  // A later column of the same name wins, as in better-sqlite3.
  same('select a as v, "b c" as v from t');
  // A column named __proto__ is no property, as in better-sqlite3, and a value never becomes the row's prototype.
  same('select a as __proto__ from t');
  assert.equal(Object.getPrototypeOf(conn.prepare('select null as __proto__ from t').all([])[0]), Object.prototype);
  // A schema change re-prepares a statement inside SQLite: `select *` then has the new column.
  const all = conn.prepare('select * from t');
  all.all([]);
  sqlite.exec('alter table t add column d text');
  same('select * from t');
  // Writes still report their changes; a write with RETURNING reads its row.
  assert.equal(conn.prepare(`insert into t (a) values ('two')`).run([]).changes, 1);
  assert.deepEqual(conn.prepare(`insert into t (a) values ('three') returning a`).all([]), [{ a: 'three' }]);
  conn.close();
});

test('a write is counted when sent and again once it ran: a read made while it was under way is not kept', async () => {
  const { db } = t.gh.deps;
  const app = await t.createApp({ name: 'Under way', redirectUris: ['https://app.example/cb'] });
  let stored = 'before';
  const read = readCache<string, string>({ tables: ['clients'], ttlMs: 60_000, max: 10, keepMisses: true, load: async () => stored });
  assert.equal(await read(db, 'k'), 'before');
  const g0 = writeGeneration(['clients']);
  // The write is sent: counted at once…
  const writing = db.updateTable('clients').set({ name: 'Renamed' }).where('client_id', '=', app.clientId).execute();
  const g1 = writeGeneration(['clients']);
  assert.notEqual(g1, g0);
  // …another request reads meanwhile, still the old value (on PostgreSQL, another connection)…
  const meanwhile = read(db, 'k');
  await writing;
  stored = 'after';
  assert.equal(await meanwhile, 'before');
  // …and once the write ran it is counted again, so that read is not what the next request gets.
  assert.notEqual(writeGeneration(['clients']), g1);
  assert.equal(await read(db, 'k'), 'after');
});

test('PostgreSQL statements with parameters are prepared once per connection and text; a `*` statement and one without parameters are not', { skip: !isPostgresUrl(process.env.DATABASE_URL ?? '') && 'PostgreSQL only (DATABASE_URL=postgres://…)' }, async () => {
  const { db } = t.gh.deps;
  const app = await t.createApp({ redirectUris: ['https://app.example/cb'] });
  await db.connection().execute(async (c) => {
    const prepared = async () =>
      (await sql<{ statement: string }>`select statement from pg_prepared_statements where not from_sql`.execute(c)).rows.map((r) => r.statement);
    const named = () => c.selectFrom('clients').select(['client_id', 'policy']).where('client_id', '=', app.clientId).execute();
    for (let i = 0; i < 3; i++) assert.equal((await named())[0]?.client_id, app.clientId);
    await c.selectFrom('clients').selectAll().where('client_id', '=', app.clientId).execute();
    await sql`select 1 as one`.execute(c);
    const statements = await prepared();
    assert.equal(statements.filter((s) => s === 'select "client_id", "policy" from "clients" where "client_id" = $1').length, 1, statements.join('\n'));
    assert.equal(statements.filter((s) => s.includes('*')).length, 0, 'a * statement is not kept');
    assert.equal(statements.filter((s) => s.includes('select 1 as one')).length, 0, 'nor one without parameters');
  });
});
