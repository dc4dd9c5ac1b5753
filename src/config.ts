import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Resolver } from 'node:dns';

/** Gatehouse configuration, read from the environment (see README "Configuration"). */
export interface Config {
  /** HTTP port. @default 3000 */
  port: number;
  /** Public issuer URL. @default `http://localhost:$PORT` */
  issuer: string;
  /** `postgres://…` for PostgreSQL; otherwise an SQLite file path. @default `$GATEHOUSE_DATA_DIR/gatehouse.db` */
  databaseUrl: string;
  /** Where the embedded database, the development secret key and the dev outbox live. @default `./data` */
  dataDir: string;
  /** 32-byte key for AES-256-GCM encryption at rest and cookie signing. */
  secretKey: Buffer;
  /** True when the key was generated into the data directory (development only). */
  secretKeyGenerated: boolean;
  /** `smtp://user:pass@host:port` or `smtps://…`; unset: mail goes to the development outbox. Required in production. */
  smtpUrl: string | undefined;
  /** Sender address of Gatehouse mail. @default `Gatehouse <no-reply@localhost>` */
  mailFrom: string;
  production: boolean;
  /** Seed the demo organization, user and start the three demo apps. @default true unless production */
  demo: boolean;
  /** Self sign-up allowed. @default true */
  signupEnabled: boolean;
  /** New accounts must verify their email before signing in. @default true */
  requireEmailVerification: boolean;
  /**
   * Wrong passwords checked without a wait, per account from browsers the account has not seen (and
   * per known browser, on its own budget); then each attempt waits 1 s, doubling up to the window
   * (decision 0008). @default 10
   */
  loginMaxFailuresPerAccount: number;
  /** The same per client address (password and usernameless passkey sign-ins). @default 50 */
  loginMaxFailuresPerIp: number;
  /** The longest wait between attempts, and how long failures are remembered after it, seconds. @default 900 */
  loginFailureWindowSeconds: number;
  /** "Remind me later" holds the suggested 2FA wizard back this many days. @default 7 */
  enrollmentReminderDays: number;
  /** Proxies (exact IPs) whose X-Forwarded-For is trusted. @default none */
  trustedProxies: string[];
  /** DNS servers (`host[:port]`) for domain verification (GATEHOUSE_DNS_SERVERS). @default the system's */
  dnsServers: string[];
  /** How long a push request waits for the device's answer, seconds. @default 60 */
  pushChallengeSeconds: number;
  /** How long push pauses for a person after "This wasn't me", seconds. @default 3600 */
  pushFraudPauseSeconds: number;
  /**
   * A first 2FA method added from a risky sign-in also needs a code sent to the person's email
   * (GATEHOUSE_ENROLLMENT_EMAIL_CODE; docs/decisions/0014). Turn it off only on a server that sends no mail. @default true
   */
  enrollmentEmailCode: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function boolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be 1/0, true/false, yes/no or on/off, got "${raw}"`);
}

function parseSecretKey(raw: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64url');
  if (key.length !== 32) {
    throw new ConfigError('GATEHOUSE_SECRET_KEY must be 32 bytes, as 64 hex characters or base64url (generate one with `openssl rand -hex 32`)');
  }
  return key;
}

function isLocalhost(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Reads and validates the configuration. Throws {@link ConfigError} with one message per bad value. */
export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const port = intVar(env, 'PORT', 3000, 1, 65535);
  const issuer = (env.GATEHOUSE_ISSUER || `http://localhost:${port}`).replace(/\/$/, '');
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    throw new ConfigError(`GATEHOUSE_ISSUER must be an absolute URL, got "${issuer}"`);
  }
  if (!['http:', 'https:'].includes(issuerUrl.protocol) || issuerUrl.search || issuerUrl.hash) {
    throw new ConfigError(`GATEHOUSE_ISSUER must be an http(s) URL without query or fragment, got "${issuer}"`);
  }
  const dataDir = resolve(env.GATEHOUSE_DATA_DIR || './data');
  const databaseUrl = env.DATABASE_URL || join(dataDir, 'gatehouse.db');
  if (/^[a-z]+:\/\//i.test(databaseUrl) && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must be a postgres:// URL or an SQLite file path, got "${databaseUrl.replace(/\/\/[^@]*@/, '//…@')}"`);
  }
  const smtpUrl = env.GATEHOUSE_SMTP_URL || undefined;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) {
    throw new ConfigError('GATEHOUSE_SMTP_URL must start with smtp:// or smtps://');
  }
  const demo = boolVar(env, 'GATEHOUSE_DEMO', !production);

  let secretKey: Buffer;
  let secretKeyGenerated = false;
  if (env.GATEHOUSE_SECRET_KEY) {
    secretKey = parseSecretKey(env.GATEHOUSE_SECRET_KEY);
  } else {
    if (production) {
      throw new ConfigError('GATEHOUSE_SECRET_KEY is required in production (NODE_ENV=production); generate one with `openssl rand -hex 32`');
    }
    secretKey = developmentKey(dataDir);
    secretKeyGenerated = true;
  }
  if (production && demo) throw new ConfigError('GATEHOUSE_DEMO must be off in production (NODE_ENV=production)');
  if (production && issuerUrl.protocol !== 'https:' && !isLocalhost(issuerUrl)) {
    throw new ConfigError(`GATEHOUSE_ISSUER must be https in production, got "${issuer}"`);
  }
  // Without a relay, mail goes to the development outbox, which prints every message (reset and
  // verification links included) to standard output: in production that is the log collector.
  if (production && !smtpUrl) {
    throw new ConfigError('GATEHOUSE_SMTP_URL is required in production (NODE_ENV=production): without it mail, reset links included, would be printed to the log; set smtp://user:pass@host:587 or smtps://…');
  }

  return {
    port,
    issuer,
    databaseUrl,
    dataDir,
    secretKey,
    secretKeyGenerated,
    smtpUrl,
    mailFrom: env.GATEHOUSE_MAIL_FROM || 'Gatehouse <no-reply@localhost>',
    production,
    demo,
    signupEnabled: boolVar(env, 'GATEHOUSE_SIGNUP', true),
    requireEmailVerification: boolVar(env, 'GATEHOUSE_REQUIRE_EMAIL_VERIFICATION', true),
    loginMaxFailuresPerAccount: intVar(env, 'GATEHOUSE_LOGIN_MAX_FAILURES_PER_ACCOUNT', 10, 1, 100),
    loginMaxFailuresPerIp: intVar(env, 'GATEHOUSE_LOGIN_MAX_FAILURES_PER_IP', 50, 1, 100000),
    loginFailureWindowSeconds: intVar(env, 'GATEHOUSE_LOGIN_FAILURE_WINDOW', 900, 1, 86400),
    enrollmentReminderDays: intVar(env, 'GATEHOUSE_2FA_REMINDER_DAYS', 7, 1, 365),
    trustedProxies: (env.GATEHOUSE_TRUSTED_PROXIES || '').split(',').map((s) => s.trim()).filter(Boolean),
    dnsServers: dnsServersVar(env),
    pushChallengeSeconds: intVar(env, 'GATEHOUSE_PUSH_CHALLENGE_SECONDS', 60, 10, 600),
    pushFraudPauseSeconds: intVar(env, 'GATEHOUSE_PUSH_FRAUD_PAUSE_SECONDS', 3600, 60, 7 * 86400),
    enrollmentEmailCode: boolVar(env, 'GATEHOUSE_ENROLLMENT_EMAIL_CODE', true),
  };
}

/** GATEHOUSE_DNS_SERVERS: addresses with an optional port, checked the way the resolver will read them. */
function dnsServersVar(env: Env): string[] {
  const servers = (env.GATEHOUSE_DNS_SERVERS || '').split(',').map((s) => s.trim()).filter(Boolean);
  try {
    if (servers.length) new Resolver().setServers(servers);
  } catch {
    throw new ConfigError(`GATEHOUSE_DNS_SERVERS must be IP addresses with an optional port (127.0.0.1:5353, [::1]:53), got "${env.GATEHOUSE_DNS_SERVERS}"`);
  }
  return servers;
}

/** The development key is generated once into the data directory, so restarts keep sessions and secrets readable. */
function developmentKey(dataDir: string): Buffer {
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return parseSecretKey(readFileSync(file, 'utf8').trim());
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600 });
  return key;
}
