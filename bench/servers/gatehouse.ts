/**
 * Gatehouse under measurement, in a process of its own: the real server (`startGatehouse`, as
 * `gatehouse start` runs it) on an SQLite file in a temporary directory, or — when DATABASE_URL is
 * a postgres:// URL — on a fresh schema in that database, dropped afterwards.
 * Scenarios ask it for their fixtures with `seed` (one module per fixture in ./seeds/) and run
 * measurements inside it with `probe` (./probes/: timings of internal functions, memory).
 * A second instance (`start` with `join`) serves the same PostgreSQL schema under the same issuer
 * and secret on a port of its own, as two instances behind a load balancer do.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { KyselyPlugin } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { startGatehouse, type Gatehouse } from '../../src/app.ts';
import { isPostgresUrl, openDb } from '../../src/store/db.ts';
import { loadSigningKeys } from '../../src/store/keys.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { serve } from '../lib/ipc.ts';

/** A seed module prepares what one scenario needs and returns what the load generator must know. */
export type Seed = (gh: Gatehouse, args: any) => Promise<unknown>;
/** A probe measures inside this process (same signature as a seed). */
export type Probe = Seed;

/** What another instance needs to join this one (PostgreSQL only). */
export interface JoinInfo {
  issuer: string;
  secretKey: string;
  schema: string;
}

export interface Started {
  issuer: string;
  /** Where this process listens (the issuer's origin, except for a joining instance). */
  url: string;
  database: string;
  join?: JoinInfo;
}

let gh: Gatehouse | undefined;
let cleanup = async () => {};

/**
 * The event loop's busy time at each request's start and finish (`eventLoopUtilization().active`, ms:
 * the main thread's work, exact and without argon2id's pool threads), recorded only while a
 * diagnostic asks (`boundaries`), so that the measured rounds carry none of it. Consecutive marks
 * split a one-at-a-time operation into intervals whose sum is all of its event-loop time — a request
 * held while others run (the push page's Continue) included, which readings over IPC cannot split.
 */
let boundaries: [string, number][] | undefined;
const boundaryLabel = (method: string | undefined, url: string | undefined) =>
  `${method} ${(url ?? '/').split('?')[0]!.replace(/\/[\w-]{16,}/g, '/:uid')}`;
function recordBoundaries(http: Gatehouse['http']): void {
  http.server.prependListener('request', (req, res) => {
    if (!boundaries) return;
    const label = boundaryLabel(req.method, req.url);
    boundaries.push([`${label} starts`, performance.eventLoopUtilization().active]);
    res.once('finish', () => boundaries?.push([`${label} answered`, performance.eventLoopUtilization().active]));
  });
}

/**
 * Counts the statements Gatehouse sends to its store, in total and by kind and table
 * ("select oidc_models"): statements per operation explain much of its cost.
 */
const statements: Record<string, number> = { queries: 0 };
// Counted when a statement runs (transformResult), keyed by the query id seen when it was built:
// precompiled statements (src/store/precompiled.ts) are built once and run many times.
const kindOf = new WeakMap<object, string>();
const countQueries: KyselyPlugin = {
  transformQuery({ node, queryId }) {
    kindOf.set(queryId, `${node.kind.replace(/QueryNode$|Node$/, '').toLowerCase()} ${firstTable(node) ?? ''}`.trim());
    return node;
  },
  async transformResult(args) {
    const key = kindOf.get(args.queryId) ?? 'other';
    statements.queries!++;
    statements[key] = (statements[key] ?? 0) + 1;
    return args.result;
  },
};

/**
 * The table a statement is about, read from where Kysely keeps it for each kind of statement (a
 * constant-time look, so counting costs the server under measurement next to nothing).
 */
function firstTable(node: { kind: string }): string | undefined {
  const name = (t: unknown) => (t as { table?: { identifier?: { name?: string } } } | undefined)?.table?.identifier?.name;
  const n = node as { into?: unknown; table?: unknown; from?: { froms?: unknown[] } };
  switch (node.kind) {
    case 'InsertQueryNode':
      return name(n.into);
    case 'UpdateQueryNode':
      return name(n.table);
    case 'SelectQueryNode':
    case 'DeleteQueryNode':
      return name(n.from?.froms?.[0]);
    default:
      return undefined;
  }
}

async function start(args: { join?: JoinInfo } = {}): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const port = await freePort();
  const pgUrl = process.env.DATABASE_URL && isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined;
  if (args.join && !pgUrl) throw new Error('a second instance needs DATABASE_URL=postgres://…');
  const schema = args.join?.schema ?? (pgUrl ? `bench_${randomBytes(6).toString('hex')}` : undefined);
  if (pgUrl && !args.join) await adminQuery(pgUrl, `create schema ${schema}`);
  const secretKey = args.join?.secretKey ?? randomBytes(32).toString('hex');
  const config = loadConfig({
    NODE_ENV: 'production',
    PORT: String(port),
    GATEHOUSE_ISSUER: args.join?.issuer ?? `http://127.0.0.1:${port}`,
    GATEHOUSE_SECRET_KEY: secretKey,
    GATEHOUSE_DATA_DIR: dir,
    GATEHOUSE_DEMO: '0',
    // Production needs a relay; no mail is sent during the measured sign-ins (nothing listens here).
    GATEHOUSE_SMTP_URL: 'smtp://127.0.0.1:9',
    ...(pgUrl ? { DATABASE_URL: pgUrl } : {}),
    // Every sign-in succeeds; the limits only must not get in the way.
    GATEHOUSE_LOGIN_MAX_FAILURES_PER_IP: '100000',
  });
  const db = openDb(config.databaseUrl, pgUrl ? { pgSchema: schema } : {}).withPlugin(countQueries);
  gh = await startGatehouse(config, { host: '127.0.0.1', db });
  recordBoundaries(gh.http);
  cleanup = async () => {
    await gh?.close();
    // The first instance owns the schema; a joining one leaves it.
    if (pgUrl && !args.join) await adminQuery(pgUrl, `drop schema ${schema} cascade`);
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    issuer: config.issuer,
    url: `http://127.0.0.1:${port}`,
    database: pgUrl ? `PostgreSQL (schema ${schema})` : 'SQLite file',
    ...(pgUrl ? { join: { issuer: config.issuer, secretKey, schema: schema! } } : {}),
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function running(): Gatehouse {
  if (!gh) throw new Error('not started');
  return gh;
}

serve(
  {
    start,
    /** `{ start: true }` begins recording request boundaries; any other call returns those recorded since and stops. */
    boundaries({ start }: { start?: boolean } = {}) {
      const taken = boundaries ?? [];
      boundaries = start ? [] : undefined;
      return taken;
    },
    async seed({ module, args }: { module: string; args: unknown }) {
      const { default: seed } = (await import(`./seeds/${module}.ts`)) as { default: Seed };
      return seed(running(), args);
    },
    async probe({ module, args }: { module: string; args: unknown }) {
      const { default: probe } = (await import(`./probes/${module}.ts`)) as { default: Probe };
      return probe(running(), args);
    },
    /** The private signing keys, so that the reference provider signs with the very same ES256 key. */
    signingKeys: () => loadSigningKeys(running().deps.db, running().deps.box, running().deps.clock),
  },
  { onStop: () => cleanup(), counters: () => ({ ...statements }) },
);
