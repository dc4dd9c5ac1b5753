/**
 * Why the terminal authenticator stops. The first group are the API's own error codes
 * (docs/authenticator-api.md), passed through unchanged so a script can `switch` on them;
 * the rest are the device's side: its key file, its state directory, the network.
 */
export type AuthenticatorErrorCode =
  | 'enrollment_link_invalid'
  | 'enrollment_link_used'
  | 'enrollment_link_expired'
  | 'device_unknown'
  | 'clock_skew'
  | 'request_replayed'
  | 'last_method_required'
  | 'answer_refused'
  | 'no_pending_request'
  | 'wrong_passphrase'
  | 'no_account'
  | 'ambiguous'
  | 'insecure_home'
  | 'unreachable'
  | 'server_error';

export class AuthenticatorError extends Error {
  override name = 'AuthenticatorError';
  constructor(
    readonly code: AuthenticatorErrorCode,
    message: string,
    /** The HTTP status when the server answered. */
    readonly status?: number,
  ) {
    super(message);
  }

  /** Every authenticator error is about the data or the world, not the command line (exit 1). */
  get exitCode(): number {
    return 1;
  }
}
