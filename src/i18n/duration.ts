import type { T } from './index.ts';

/**
 * A wait as people say it, with correct plurals: "1 second", "40 seconds", "15 minutes", "2 hours"
 * (issue 7). Rounded up, so nobody comes back a moment too early.
 */
export function waitText(t: T, ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 120) return t(seconds === 1 ? 'time.second' : 'time.seconds', { n: seconds });
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return t('time.minutes', { n: minutes });
  return t('time.hours', { n: Math.ceil(minutes / 60) });
}
