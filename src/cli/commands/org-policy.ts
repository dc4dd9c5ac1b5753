import { command, CliError, type AnyCommand } from '../command.ts';
import { withStore } from '../store.ts';
import { isoTime } from '../output.ts';
import { audit } from '../../store/audit.ts';
import { parseCompanyPolicy, PolicyError, type CompanyPolicy } from '../../policy/company-policy.ts';
import { readStoredPolicy, saveCompanyPolicy } from '../../policy/company-of.ts';
import { listDomains } from '../../store/org-domains.ts';
import { orgNamed } from './org-named.ts';

/** The policy as the command line shows it: times as ISO 8601, like every other command. */
const view = (p: CompanyPolicy) => ({ ...p, graceUntil: isoTime(p.graceUntil) });

function human(name: string, p: CompanyPolicy, verified: string[]): string {
  const lines = [
    `Company policy of "${name}"`,
    `  two-step verification: ${p.secondFactor}${p.secondFactor === 'required' && p.graceUntil ? ` ("Remind me later" until ${isoTime(p.graceUntil)})` : ''}`,
    `  allowed methods:       ${p.allowedMethods.join(', ')}`,
    `  trusted networks:      ${p.trustedNetworks.join(', ') || '(none)'}`,
    `  remember devices for:  ${p.rememberDeviceDays === 0 ? 'off' : `${p.rememberDeviceDays} days`}`,
    `  new-device email:      ${p.newDeviceEmail ? 'on' : 'off'}`,
    `  applies to:            ${verified.length ? verified.map((d) => '@' + d).join(', ') : 'nobody yet (no verified domain)'}`,
  ];
  return lines.join('\n');
}

const show = command({
  path: ['org', 'policy', 'show'],
  summary: "Show an organization's company policy",
  usage: '--org NAME',
  options: { org: { type: 'string' } },
  async run({ values, out }) {
    const { org, policy, verified } = await withStore(async (deps) => {
      const org = await orgNamed(deps, values.org);
      const verified = (await listDomains(deps.db, org.id)).filter((d) => d.verifiedAt !== null).map((d) => d.domain);
      return { org, policy: readStoredPolicy(org.policy), verified };
    });
    out.result({ org: org.name, policy: view(policy), appliesTo: verified }, () => human(org.name, policy, verified));
  },
});

function onOff(flag: string, v: string): boolean {
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw new CliError('invalid_value', `${flag} must be on or off, got "${v}"`);
}

function graceDate(v: string): number | null {
  if (v === 'none') return null;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(ms)) throw new CliError('invalid_value', `--grace-until must be a date (2027-01-31) or an ISO 8601 time, or none; got "${v}"`);
  return ms;
}

const list = (v: string) => (v === 'none' ? [] : v.split(',').map((s) => s.trim()).filter(Boolean));

const set = command({
  path: ['org', 'policy', 'set'],
  summary: "Change an organization's company policy (only the options given change)",
  usage: '--org NAME [--2fa off|required] [--grace-until DATE|none] [--methods push,totp,webauthn] [--trusted-networks CIDR,…|none] [--remember-device-days N] [--new-device-email on|off]',
  options: {
    org: { type: 'string' },
    '2fa': { type: 'string' },
    'grace-until': { type: 'string' },
    methods: { type: 'string' },
    'trusted-networks': { type: 'string' },
    'remember-device-days': { type: 'string' },
    'new-device-email': { type: 'string' },
  },
  async run({ values, out }) {
    const changes: Record<string, unknown> = {};
    if (values['2fa'] !== undefined) changes.secondFactor = values['2fa'];
    if (values['grace-until'] !== undefined) changes.graceUntil = graceDate(values['grace-until']);
    if (values.methods !== undefined) changes.allowedMethods = list(values.methods);
    if (values['trusted-networks'] !== undefined) changes.trustedNetworks = list(values['trusted-networks']);
    if (values['remember-device-days'] !== undefined) {
      if (!/^\d+$/.test(values['remember-device-days'])) throw new CliError('invalid_value', '--remember-device-days must be a whole number of days (0 turns remembering off)');
      changes.rememberDeviceDays = Number(values['remember-device-days']);
    }
    if (values['new-device-email'] !== undefined) changes.newDeviceEmail = onOff('--new-device-email', values['new-device-email']);
    if (Object.keys(changes).length === 0) throw new CliError('usage', 'nothing to change: give at least one policy option');
    const { org, policy } = await withStore(async (deps) => {
      const org = await orgNamed(deps, values.org);
      let policy: CompanyPolicy;
      try {
        policy = parseCompanyPolicy({ ...readStoredPolicy(org.policy), ...changes });
      } catch (e) {
        if (e instanceof PolicyError) throw new CliError('invalid_value', e.message);
        throw e;
      }
      await saveCompanyPolicy(deps.db, org.id, policy);
      await audit(deps.db, deps.clock, { event: 'org.policy.changed', details: { via: 'cli', orgId: org.id, fields: Object.keys(changes) } });
      return { org, policy };
    });
    out.result({ org: org.name, policy: view(policy) }, `Updated the company policy of "${org.name}".`);
  },
});

export const orgPolicyCommands: AnyCommand[] = [show, set];
