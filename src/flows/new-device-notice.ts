import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { translator } from '../i18n/index.ts';
import { companyOf } from '../policy/company-of.ts';
import { countryOf } from '../policy/risk/geo/ip-country.ts';
import { quoted } from '../security/untrusted-text.ts';

/** What the person reads about a sign-in from a browser they never completed one on. */
export interface NewDeviceSignIn {
  /** "Chrome on Windows", as the caller described the user agent. */
  browser: string;
  /** The client address through trusted proxies; undefined when it could not be parsed. */
  ip: string | undefined;
  /** The application signed in to. */
  app: string;
}

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** "203.0.113.7 (Germany)", or the address alone where the offline GeoIP data has no country. */
function placeOf(ip: string | undefined): string {
  if (!ip) return '—';
  const cc = countryOf(ip);
  let name: string | undefined;
  try {
    name = cc ? countryNames.of(cc) : undefined;
  } catch {
    name = undefined;
  }
  return name ? `${ip} (${name})` : ip;
}

/**
 * The company policy's "new device" email (issue 9): a sign-in completed on a browser the person
 * never completed one on is mailed to them, when their organization turned it on. The caller decides
 * what is new (src/store/known-devices.ts `noteDevice`); delivery problems never fail the sign-in.
 */
export async function noticeNewDevice(deps: Deps, user: User, s: NewDeviceSignIn, where: AuditContext): Promise<void> {
  const company = await companyOf(deps.db, user.email);
  if (!company?.policy.newDeviceEmail) return;
  const t = translator();
  const link = new URL('/account/security', deps.config.issuer + '/').href;
  const when = new Date(deps.clock.now()).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  try {
    await deps.mailer.send({
      to: user.email,
      subject: t('notice.new_device.subject', { app: s.app }),
      text:
        t('notice.new_device.body', { app: quoted(s.app), browser: s.browser, place: placeOf(s.ip), when, org: company.name }) + '\n\n' + t('notice.footer', { link }),
    });
  } catch (err) {
    console.error('[gatehouse] new-device notice not delivered:', (err as Error).message);
  }
  await audit(deps.db, deps.clock, { ...where, event: 'login.new_device.notified', userId: user.id, details: { org: company.orgId } });
}
