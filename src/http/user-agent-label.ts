import type { T } from '../i18n/index.ts';
import { cleanText, DEVICE_LABEL_MAX } from '../security/untrusted-text.ts';

/**
 * "Chrome on Linux" from a User-Agent header, for the pages where a person recognises their own
 * devices (recent activity, remembered devices). Not a full parser: the browsers and systems people
 * sign in with, in the order that matters — every Chromium browser says "Chrome" and "Safari", every
 * Android says "Linux", and on iOS every browser is WebKit with its own token (CriOS, FxiOS, EdgiOS).
 */
const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|OPiOS)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\b(Chrome|Chromium|CriOS|HeadlessChrome)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];
const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bAndroid\b/, 'Android'],
  [/\biPad\b/, 'iPadOS'],
  [/\b(iPhone|iPod)\b/, 'iOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

/** Browser and system named in a User-Agent; either is `undefined` when not recognised. */
export function parseUserAgent(ua: string): { browser?: string; os?: string } {
  return { browser: BROWSERS.find(([re]) => re.test(ua))?.[1], os: SYSTEMS.find(([re]) => re.test(ua))?.[1] };
}

/** Longest unrecognised User-Agent shown, in characters, before "…". @default 40 */
export const UNKNOWN_AGENT_SHOWN = 40;

/**
 * "Firefox on Linux"; "Firefox" or "a Linux device" with only one of them; anything unrecognised is
 * shown cleaned (a User-Agent is whatever the client sent: no controls, no bidi overrides) and cut
 * short rather than whole.
 *
 * @example describeUserAgent(t, 'Mozilla/5.0 (X11; Linux x86_64) … Chrome/131.0.0.0 Safari/537.36') // 'Chrome on Linux'
 */
export function describeUserAgent(t: T, ua: string): string {
  const { browser, os } = parseUserAgent(ua);
  if (browser && os) return t('account.device', { browser, os });
  if (browser) return browser;
  if (os) return t('account.device_os', { os });
  const clean = cleanText(ua, DEVICE_LABEL_MAX);
  if (!clean) return t('account.device_unknown');
  return [...clean].length > UNKNOWN_AGENT_SHOWN ? `${cleanText(clean, UNKNOWN_AGENT_SHOWN - 1)}…` : clean;
}
