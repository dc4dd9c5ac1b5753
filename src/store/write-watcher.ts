import type { KyselyPlugin, OperationNode } from 'kysely';

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

/**
 * A Kysely plugin that notices every insert, update and delete made through the store (the command
 * line's and the tests' direct updates included), so that this process's read caches
 * (src/store/read-cache.ts) drop what a write made stale before the very next request.
 */
export const writeWatcher: KyselyPlugin = {
  transformQuery({ node }) {
    const table = writtenTable(node);
    if (table === RAW) rawWrites++;
    else if (table) writes.set(table, (writes.get(table) ?? 0) + 1);
    return node;
  },
  async transformResult({ result }) {
    return result;
  },
};

const RAW = Symbol('raw');

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
