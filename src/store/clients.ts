import type { ClientMetadata } from 'oidc-provider';
import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { ClientsTable } from './schema.ts';
import type { Clock, Random } from '../clock.ts';
import { randomId } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { readCache } from './read-cache.ts';

export const APP_POLICIES = ['bypass', 'adaptive', 'required'] as const;
export type AppPolicy = (typeof APP_POLICIES)[number];

export type ClientRow = Selectable<ClientsTable>;

export interface NewApp {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
  /** A public client (SPA, native) has no secret and authenticates with PKCE alone. */
  isPublic?: boolean;
  /** First-party apps skip the consent page and get refresh tokens for offline_access. */
  firstParty?: boolean;
  policy?: AppPolicy;
  /** Fixed credentials (demo seeding); generated otherwise. */
  clientId?: string;
  clientSecret?: string;
}

export interface CreatedApp {
  clientId: string;
  clientSecret?: string;
}

const secretContext = (clientId: string) => `clients:${clientId}:secret`;

export async function createApp(db: Db, box: SecretBox, clock: Clock, random: Random, app: NewApp): Promise<CreatedApp> {
  const clientId = app.clientId ?? randomId(random, 12);
  const clientSecret = app.isPublic ? undefined : app.clientSecret ?? randomId(random, 32);
  const metadata: ClientMetadata = {
    client_id: clientId,
    client_name: app.name,
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris ?? [],
    grant_types: app.isPublic ? ['authorization_code', 'refresh_token'] : ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    token_endpoint_auth_method: app.isPublic ? 'none' : 'client_secret_basic',
    ...(app.backchannelLogoutUri ? { backchannel_logout_uri: app.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
  };
  const stored = { ...metadata, ...(clientSecret ? { client_secret: box.seal(clientSecret, secretContext(clientId)) } : {}) };
  await db
    .insertInto('clients')
    .values({
      client_id: clientId,
      name: app.name,
      metadata: JSON.stringify(stored),
      first_party: app.firstParty ? 1 : 0,
      policy: app.policy ?? 'adaptive',
      created_at: clock.now(),
    })
    .execute();
  return { clientId, clientSecret };
}

/** Reads an app's row from the store, uncached: for code that writes it (seeding, repairs) and tests. */
export async function findClientRow(db: Db, clientId: string): Promise<ClientRow | undefined> {
  return db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

/**
 * How long this process reuses an app's row and metadata once read, milliseconds. A sign-in
 * looks its app up five or six times (oidc-provider on each request, the interaction pages, the
 * 2FA rule) and each lookup would otherwise read the row, parse its JSON and decrypt its secret.
 * A change written by this process — through any Kysely query on `clients`, see
 * src/store/write-watcher.ts — takes effect at once; a change written by another process (the
 * `gatehouse` command line, another instance on the same PostgreSQL) within this time.
 * @default 2000
 */
export const CLIENT_CACHE_TTL_MS = 2000;

interface CachedApp {
  row: ClientRow;
  /** oidc-provider's metadata, decrypted on first use. */
  metadata?: ClientMetadata;
}

/** Misses are not kept: client ids come from requests, and made-up ones must not fill the cache. */
const cachedApp = readCache<string, CachedApp>({
  tables: ['clients'],
  ttlMs: CLIENT_CACHE_TTL_MS,
  max: 1000,
  keepMisses: false,
  load: async (db, clientId) => {
    const row = await findClientRow(db, clientId);
    return row && { row };
  },
});

/**
 * An app's row for the request paths (sign-in, token, interaction pages), from a short-lived
 * per-process cache: see {@link CLIENT_CACHE_TTL_MS}. The row is shared: do not modify it.
 */
export async function cachedClientRow(db: Db, clientId: string): Promise<ClientRow | undefined> {
  return (await cachedApp(db, clientId))?.row;
}

/**
 * oidc-provider's metadata of an app (secret decrypted, in memory only), from the same cache as
 * {@link cachedClientRow}; decrypted once per cache entry. Each caller gets its own copy.
 */
export async function cachedClientMetadata(db: Db, box: SecretBox, clientId: string): Promise<ClientMetadata | undefined> {
  const app = await cachedApp(db, clientId);
  if (!app) return undefined;
  app.metadata ??= clientMetadata(box, app.row);
  return { ...app.metadata };
}

/** The metadata oidc-provider needs, with the client secret decrypted in memory only. */
export function clientMetadata(box: SecretBox, row: ClientRow): ClientMetadata {
  const metadata = JSON.parse(row.metadata) as ClientMetadata;
  if (typeof metadata.client_secret === 'string') {
    metadata.client_secret = box.openString(metadata.client_secret, secretContext(row.client_id));
  }
  return metadata;
}

export async function listApps(db: Db): Promise<ClientRow[]> {
  return db.selectFrom('clients').selectAll().orderBy('created_at').execute();
}

export async function setAppPolicy(db: Db, clientId: string, policy: AppPolicy): Promise<boolean> {
  const r = await db.updateTable('clients').set({ policy }).where('client_id', '=', clientId).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
