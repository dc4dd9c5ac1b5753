import * as client from 'openid-client';
import { createRemoteJWKSet } from 'jose';
import type { UserAgent } from './user-agent.ts';

/** An openid-client relying party for one registered app (plain http on loopback needs allowInsecureRequests). */
export async function relyingParty(issuer: string, clientId: string, clientSecret?: string) {
  const config = await client.discovery(
    new URL(issuer),
    clientId,
    clientSecret ? { client_secret: clientSecret } : { token_endpoint_auth_method: 'none' },
    clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
    { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] },
  );
  return config;
}

export interface AuthStart {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function buildAuthorization(config: client.Configuration, redirectUri: string, extra: Record<string, string> = {}): Promise<AuthStart> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Drives a full password sign-in through the pages and returns the tokens. */
export async function signInWithPassword(
  ua: UserAgent,
  config: client.Configuration,
  redirectUri: string,
  email: string,
  password: string,
  extra: Record<string, string> = {},
) {
  const auth = await buildAuthorization(config, redirectUri, extra);
  const atRedirect = (u: string) => u.startsWith(redirectUri);
  let page = await ua.go(auth.url.href, {}, atRedirect);
  if (!atRedirect(page.url)) {
    page = await ua.submit('/email', { email }, atRedirect);
    if (!atRedirect(page.url)) page = await ua.submit('/password', { password }, atRedirect);
    // An Adaptive app suggests setting up 2FA to a person without it: "Remind me later".
    if (!atRedirect(page.url) && page.url.endsWith('/enroll') && ua.lastBody.includes('/enroll/later')) page = await ua.submit('/enroll/later', {}, atRedirect);
  }
  if (!atRedirect(page.url)) throw new Error(`sign-in did not return to the app; last page ${page.url} (${page.status})`);
  const tokens = await client.authorizationCodeGrant(config, new URL(page.url), {
    pkceCodeVerifier: auth.verifier,
    expectedState: auth.state,
    expectedNonce: auth.nonce,
    idTokenExpected: true,
  });
  return { tokens, callbackUrl: page.url };
}

/** The issuer's published keys, fetched the way an API would (jose remote JWKS from discovery's jwks_uri). */
export function remoteJwks(config: client.Configuration) {
  return createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
}

/**
 * Starts an authorization and follows redirects without signing in: returns where the browser
 * ended up — the app's redirect_uri (`returned: true`, SSO or an error response) or a Gatehouse page.
 */
export async function authorize(ua: UserAgent, config: client.Configuration, redirectUri: string, extra: Record<string, string> = {}) {
  const auth = await buildAuthorization(config, redirectUri, extra);
  const page = await ua.go(auth.url.href, {}, (u) => u.startsWith(redirectUri));
  return { auth, page, returned: page.url.startsWith(redirectUri) };
}

/** Redeems the code in `callbackUrl` for the authorization `auth` started. */
export function redeemCode(config: client.Configuration, auth: AuthStart, callbackUrl: string) {
  return client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: auth.verifier,
    expectedState: auth.state,
    expectedNonce: auth.nonce,
    idTokenExpected: true,
  });
}
