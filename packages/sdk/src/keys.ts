import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

// One key set per JWKS URL for the life of the process: jose's remote set caches the keys
// (`cacheMaxAge`, 10 minutes) and refetches at most once per `cooldownDuration` (30 s) when a token
// names a key it does not have, so a key rotation at Gatehouse is picked up without a restart and a
// flood of forged `kid`s cannot turn into a flood of requests to Gatehouse.
const keySets = new Map<string, JWTVerifyGetKey>();
const discovered = new Map<string, Promise<URL>>();

/** Gatehouse's signing keys at `jwksUri`, shared by every verifier that names the same URL. */
export function remoteKeys(jwksUri: URL): JWTVerifyGetKey {
  let keys = keySets.get(jwksUri.href);
  if (!keys) {
    keys = createRemoteJWKSet(jwksUri);
    keySets.set(jwksUri.href, keys);
  }
  return keys;
}

/**
 * The `jwks_uri` from the issuer's discovery document (OpenID Connect Discovery §4), fetched once
 * per issuer; a failed fetch is forgotten so the next request tries again.
 */
export function discoverJwksUri(issuer: string): Promise<URL> {
  let found = discovered.get(issuer);
  if (!found) {
    found = fetchJwksUri(issuer);
    discovered.set(issuer, found);
    found.catch(() => discovered.delete(issuer));
  }
  return found;
}

async function fetchJwksUri(issuer: string): Promise<URL> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`Gatehouse discovery at ${url} answered ${res.status}`);
  const metadata = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // Discovery §4.3: the document must name the issuer it was fetched for.
  if (metadata.issuer !== issuer) throw new Error(`Gatehouse discovery at ${url} names issuer ${JSON.stringify(metadata.issuer)}, expected ${JSON.stringify(issuer)}`);
  if (typeof metadata.jwks_uri !== 'string') throw new Error(`Gatehouse discovery at ${url} has no jwks_uri`);
  return new URL(metadata.jwks_uri);
}
