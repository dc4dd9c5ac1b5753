/**
 * The auth-params of a Bearer challenge (RFC 6750 §3, RFC 9470 §3), in the order they are written.
 * Values are written as quoted strings, as in the RFCs' own examples (`max_age="5"`).
 */
export interface BearerChallengeParams {
  realm?: string;
  error?: string;
  error_description?: string;
  acr_values?: string;
  max_age?: number;
  scope?: string;
}

const ORDER = ['realm', 'error', 'error_description', 'acr_values', 'max_age', 'scope'] as const;

/**
 * A `WWW-Authenticate` header value for the Bearer scheme.
 *
 * @example bearerChallenge({ error: 'insufficient_user_authentication', acr_values: ACR.multiFactor, max_age: 300 })
 * // Bearer error="insufficient_user_authentication", acr_values="http://schemas.openid.net/…/multi-factor", max_age="300"
 */
export function bearerChallenge(params: BearerChallengeParams = {}): string {
  const pairs = ORDER.filter((name) => params[name] !== undefined).map((name) => `${name}=${quoted(String(params[name]))}`);
  return pairs.length > 0 ? `Bearer ${pairs.join(', ')}` : 'Bearer';
}

// RFC 9110 §5.6.4 quoted-string; RFC 6750 §3 allows no `"` or `\` in these values at all, so they are
// replaced rather than escaped, and so is anything outside printable ASCII.
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?')}"`;
}
