import type { KyselyPlugin, OperationNode } from 'kysely';

const RAW = Symbol('raw');

/** Per table, how many writes this process sent through the store; raw SQL counts for every table. */
const writes = new Map<string, number>();
let rawWrites = 0;

/**
 * A number that changes whenever this process writes (inserts, updates, deletes, or sends raw SQL
 * that might) to one of `tables` through the store: a cached read made under another number is stale.
 */
export function writeGeneration(tables: readonly string[]): number {
  let n = rawWrites;
  for (const t of tables) n += writes.get(t) ?? 0;
  return n;
}

/** The writes under way: their table, by the query's id, to count again once they ran. */
const underWay = new WeakMap<object, string | typeof RAW>();

function bump(table: string | typeof RAW): void {
  if (table === RAW) rawWrites++;
  else writes.set(table, (writes.get(table) ?? 0) + 1);
}

/**
 * A Kysely plugin that notices every insert, update and delete made through the store (the command
 * line's and the tests' direct updates included), so that this process's read caches
 * (src/store/read-cache.ts) drop what a write made stale before the very next request. A write is
 * counted when it is sent **and** once it ran: a read made while it was under way (another request's,
 * loading the old row) is then dropped too, instead of being kept under the newer count (breaker).
 * Statements compiled once and run many times (src/store/precompiled.ts) are counted only when
 * compiled: none of them writes a cached table.
 */
export const writeWatcher: KyselyPlugin = {
  transformQuery({ node, queryId }) {
    const table = writtenTable(node);
    if (table) {
      bump(table);
      underWay.set(queryId, table);
    }
    return node;
  },
  async transformResult({ result, queryId }) {
    const table = underWay.get(queryId);
    if (table) {
      underWay.delete(queryId);
      bump(table);
    }
    return result;
  },
};

function writtenTable(node: OperationNode): string | typeof RAW | undefined {
  const name = (n: unknown) => (n as { table?: { identifier?: { name?: string } } } | undefined)?.table?.identifier?.name;
  switch (node.kind) {
    case 'InsertQueryNode':
      return name((node as { into?: unknown }).into);
    case 'UpdateQueryNode':
      return name((node as { table?: unknown }).table);
    case 'DeleteQueryNode':
      // One table per delete in Gatehouse; the first is the one written.
      return name((node as { from?: { froms?: unknown[] } }).from?.froms?.[0]);
    case 'RawNode': {
      // Raw SQL: a plain select reads; anything else (schema changes, migrations) may have written anything.
      const first = ((node as { sqlFragments?: readonly string[] }).sqlFragments?.[0] ?? '').trimStart().slice(0, 7).toLowerCase();
      return first === 'select ' ? undefined : RAW;
    }
    default:
      return undefined;
  }
}
