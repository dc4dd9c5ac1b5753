/**
 * Headers on every Gatehouse page. The CSP allows no inline script or style: pages load their
 * scripts and styles from /static only.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The authenticator web app at /authenticator/ (issue 8) under the same policy, plus what an
 * installable app needs and the defaults would only imply: its service worker and its manifest from
 * our own origin, and its API calls to our own origin. Only pages under /authenticator/ get it.
 */
export const AUTHENTICATOR_CSP = [CSP, "connect-src 'self'", "worker-src 'self'", "manifest-src 'self'"].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};
