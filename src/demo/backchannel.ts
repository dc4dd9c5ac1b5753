import { jwtVerify, type JWTVerifyGetKey } from 'jose';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutTarget {
  sid?: string;
  sub?: string;
}

export class LogoutTokenError extends Error {
  override name = 'LogoutTokenError';
}

/** Seen `jti`s until their token would be too old anyway: a replayed logout token is refused. */
const MAX_AGE_SECONDS = 120;

/**
 * Validates a Logout Token (OpenID Connect Back-Channel Logout 1.0 §2.6): signature against the
 * issuer's JWKS, `iss`, `aud`, a fresh `iat`, the `typ` header, the back-channel logout event,
 * no `nonce`, and a `sid` or `sub` naming whom to sign out.
 */
export class LogoutTokenVerifier {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly jwks: JWTVerifyGetKey,
    private readonly issuer: string,
    private readonly clientId: string,
  ) {}

  async verify(token: unknown): Promise<LogoutTarget> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) throw new LogoutTokenError('logout_token is missing');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.issuer,
        audience: this.clientId,
        typ: 'logout+jwt',
        maxTokenAge: MAX_AGE_SECONDS,
        requiredClaims: ['iat', 'jti', 'events'],
      }));
    } catch (err) {
      throw new LogoutTokenError(`logout_token is invalid: ${(err as Error).message}`);
    }
    const events = payload.events as Record<string, unknown> | undefined;
    const event = events && typeof events === 'object' ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined;
    if (!event || typeof event !== 'object') throw new LogoutTokenError('logout_token has no back-channel logout event');
    // §2.4: a nonce is forbidden, so an ID token can never pass as a logout token.
    if ('nonce' in payload) throw new LogoutTokenError('logout_token must not contain a nonce');
    const sid = typeof payload.sid === 'string' && payload.sid ? payload.sid : undefined;
    const sub = typeof payload.sub === 'string' && payload.sub ? payload.sub : undefined;
    if (!sid && !sub) throw new LogoutTokenError('logout_token names neither sid nor sub');
    this.#remember(payload.jti!);
    return { sid, sub };
  }

  #remember(jti: string): void {
    const now = Date.now();
    for (const [k, until] of this.#seen) if (until < now) this.#seen.delete(k);
    if (this.#seen.has(jti)) throw new LogoutTokenError('logout_token was already used');
    this.#seen.set(jti, now + MAX_AGE_SECONDS * 2000);
  }
}
