import { AuthenticatorError } from './errors.ts';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Reads `{issuer}/authenticator/#enroll=<token>` (docs/authenticator-api.md, "Enrollment").
 * The issuer is everything before `/authenticator/`, so a Gatehouse under a path prefix works.
 * Plain http is accepted on loopback only, as the API allows: elsewhere the token and, later,
 * every answer would cross the network in the clear.
 */
export function parseEnrollmentLink(link: string): { issuer: string; apiBase: string; token: string } {
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    throw invalid(`the enrollment link is not a link: "${link}"`);
  }
  const token = new URLSearchParams(url.hash.slice(1)).get('enroll');
  const at = url.pathname.search(/\/authenticator\/?$/);
  if (!token || at === -1 || !/^[A-Za-z0-9_-]{16,}$/.test(token)) throw invalid('the link is not an enrollment link (expected …/authenticator/#enroll=…); copy it again from the browser');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw invalid(`the link must use https (plain http only for localhost): "${url.origin}"`);
  }
  const issuer = url.origin + url.pathname.slice(0, at);
  return { issuer, apiBase: `${issuer}/api/authenticator/v1`, token };
}

function invalid(message: string): AuthenticatorError {
  return new AuthenticatorError('enrollment_link_invalid', message);
}
