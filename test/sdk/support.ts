import * as oauth from 'oauth4webapi';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload } from 'jose';

// Shared by the SDK suites: a client library's reading of a challenge, and tokens minted locally
// for the cases a running Gatehouse never issues (wrong typ, wrong alg, missing claims).

/**
 * How oauth4webapi (the library under openid-client) reads an API's answer: the challenges it
 * parses from `WWW-Authenticate`, or `undefined` when it sees none. `customFetch` hands it the
 * answer without a network.
 */
export async function clientReads(wwwAuthenticate: string, status = 401): Promise<oauth.WWWAuthenticateChallenge[] | undefined> {
  const answer = new Response(null, { status, headers: { 'www-authenticate': wwwAuthenticate } });
  try {
    await oauth.protectedResourceRequest('token', 'GET', new URL('https://api.example.com/'), undefined, undefined, {
      [oauth.customFetch]: async () => answer,
    });
    return undefined;
  } catch (err) {
    if (err instanceof oauth.WWWAuthenticateChallengeError) return err.cause;
    throw err;
  }
}

/** Calls a real API the way a client built on oauth4webapi does: its Response, or the challenges it parsed. */
export async function callApi(url: string, accessToken: string, method = 'GET'): Promise<{ status: number; body: unknown } | { challenges: oauth.WWWAuthenticateChallenge[]; status: number }> {
  try {
    const res = await oauth.protectedResourceRequest(accessToken, method, new URL(url), undefined, undefined, { [oauth.allowInsecureRequests]: true });
    return { status: res.status, body: await res.json() };
  } catch (err) {
    if (err instanceof oauth.WWWAuthenticateChallengeError) return { challenges: err.cause, status: err.status };
    throw err;
  }
}

export const ISSUER = 'https://id.example.com';
export const AUDIENCE = 'https://payroll-api.example.com';

/** An ES256 key pair standing in for Gatehouse's, and a token minter that signs like it does by default. */
export async function localIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const keys = createLocalJWKSet({ keys: [jwk] });
  const nowS = Math.floor(Date.now() / 1000);
  async function mint(claims: JWTPayload = {}, header: { typ?: string } = {}): Promise<string> {
    const payload: JWTPayload = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', client_id: 'app-1', jti: 'j1', iat: nowS, exp: nowS + 600, acr: 'urn:gatehouse:acr:single-factor', amr: ['pwd'], auth_time: nowS, ...claims };
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: header.typ ?? 'at+jwt' }).sign(privateKey);
  }
  return { keys, mint, nowS, options: { issuer: ISSUER, audience: AUDIENCE, keys } };
}
