import { bearerChallenge, type BearerChallengeParams } from './challenge.ts';

/**
 * Why a request was refused (RFC 6750 §3.1, RFC 9470 §3). `missing_token` is no error code on the
 * wire: RFC 6750 §3.1 says a request without any credentials gets a bare `Bearer` challenge.
 */
export type RefusalCode = 'missing_token' | 'invalid_request' | 'invalid_token' | 'insufficient_user_authentication';

const STATUS: Record<RefusalCode, 400 | 401> = {
  missing_token: 401,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_user_authentication: 401,
};

/** A refusal with what to answer: status, `WWW-Authenticate` header and a JSON body. `switch (err.code)` narrows. */
export class AccessRefused extends Error {
  override readonly name = 'AccessRefused';
  readonly code: RefusalCode;
  readonly status: 400 | 401;
  readonly description: string;
  /** The `WWW-Authenticate` header value. */
  readonly challenge: string;

  constructor(code: RefusalCode, description: string, extra: Pick<BearerChallengeParams, 'acr_values' | 'max_age'> = {}) {
    super(description);
    this.code = code;
    this.status = STATUS[code];
    this.description = description;
    const error = code === 'missing_token' ? {} : { error: code, error_description: description };
    this.challenge = bearerChallenge({ ...error, acr_values: extra.acr_values, max_age: extra.max_age });
  }

  /** The response body: `{ error, error_description }` (nothing for a missing token). */
  get body(): { error: string; error_description: string } | undefined {
    return this.code === 'missing_token' ? undefined : { error: this.code, error_description: this.description };
  }
}
