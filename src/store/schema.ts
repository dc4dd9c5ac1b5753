import type { Generated } from 'kysely';

/**
 * Table types shared by both dialects. Booleans are 0/1 integers and times are epoch
 * milliseconds (bigint) so that SQLite and PostgreSQL behave the same.
 */
export interface Database {
  users: UsersTable;
  organizations: OrganizationsTable;
  org_domains: OrgDomainsTable;
  known_devices: KnownDevicesTable;
  clients: ClientsTable;
  resource_servers: ResourceServersTable;
  signing_keys: SigningKeysTable;
  oidc_models: OidcModelsTable;
  login_flows: LoginFlowsTable;
  counters: CountersTable;
  email_tokens: EmailTokensTable;
  mail_outbox: MailOutboxTable;
  audit_events: AuditEventsTable;
  mfa_methods: MfaMethodsTable;
  recovery_codes: RecoveryCodesTable;
  remembered_devices: RememberedDevicesTable;
  mfa_attempts: MfaAttemptsTable;
  mfa_state: MfaStateTable;
  password_attempts: PasswordAttemptsTable;
  push_enrollments: PushEnrollmentsTable;
  push_challenges: PushChallengesTable;
  push_state: PushStateTable;
  vapid_keys: VapidKeysTable;
}

export interface UsersTable {
  id: string;
  /** Canonical form (trimmed, lower-case): one account per address, whatever the case typed. */
  email: string;
  email_verified: number;
  name: string;
  password_hash: string | null;
  disabled: number;
  org_id: string | null;
  /** Tokens and sessions issued before this instant (ms) are no longer honoured. */
  sessions_valid_after: number;
  created_at: number;
  updated_at: number;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  /** The company policy, JSON (src/policy/company-policy.ts); `{}` is no policy. */
  policy: Generated<string>;
  created_at: number;
}

export interface KnownDevicesTable {
  user_id: string;
  device_hash: string;
  created_at: number;
  last_seen_at: number;
  /** 1: completed a sign-in with a second factor (trusted by the risk); 0: only seen (migration 0008). */
  two_factor: number;
}

export interface OrgDomainsTable {
  org_id: string;
  domain: string;
  token: string;
  verified_at: number | null;
  verified_by: 'dns' | 'admin' | null;
  created_at: number;
}

export interface ClientsTable {
  client_id: string;
  name: string;
  /** oidc-provider client metadata (JSON); the secret inside is encrypted at rest. */
  metadata: string;
  first_party: number;
  /** Application 2FA behaviour: bypass | adaptive | required. */
  policy: string;
  created_at: number;
  /** Only phishing-resistant methods meet this app's second factor. */
  phishing_resistant_only: Generated<number>;
}

export interface ResourceServersTable {
  identifier: string;
  name: string;
  /** Space-separated scopes the API accepts. */
  scopes: string;
  access_token_ttl: number;
  created_at: number;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  /** Private JWK, AES-256-GCM encrypted. */
  private_jwk: string;
  created_at: number;
  /** When a newer key took over signing; the key stays published until tokens it signed expire. */
  retired_at: number | null;
}

export interface OidcModelsTable {
  kind: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  account_id: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

/** The state of one sign-in, keyed by the oidc-provider interaction uid; survives restarts. */
export interface LoginFlowsTable {
  uid: string;
  email: string | null;
  user_id: string | null;
  /** The step the person is at: email | password | done (2FA steps come with the methods). */
  step: string;
  /** JSON array of RFC 8176 amr values completed so far. */
  amr: string;
  data: string;
  expires_at: number;
  /** Moved on by every save; a step's save applies only over the version it read (decision 0025). */
  version: Generated<number>;
}

export interface CountersTable {
  key: string;
  count: number;
  expires_at: number;
}

export interface EmailTokensTable {
  /** SHA-256 of the token; the token itself is only in the email. */
  token_hash: string;
  user_id: string;
  purpose: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

export interface MailOutboxTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  text_body: string;
  created_at: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  event: string;
  user_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: string | null;
}

export interface MfaMethodsTable {
  id: string;
  user_id: string;
  /** totp | webauthn | push: the method's folder under src/methods/. */
  type: string;
  name: string;
  status: 'pending' | 'active';
  is_default: number;
  secret: string | null;
  credential_id: string | null;
  data: string;
  counter: number;
  created_at: number;
  last_used_at: number | null;
}

export interface RecoveryCodesTable {
  user_id: string;
  /** HMAC-SHA-256 of the normalised code under a key derived from the secret key. */
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

export interface RememberedDevicesTable {
  id: string;
  user_id: string;
  token_hash: string;
  label: string;
  ip: string | null;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
}

export interface MfaAttemptsTable {
  user_id: string;
  /**
   * The kind the attempts count against (src/security/attempts.ts): a method type (`totp`), `recovery`,
   * `unoffered`, or `webauthn@<client address>` for the per-source WebAuthn budget.
   */
  scope: string;
  consecutive_failures: number;
  next_allowed_at: number;
}

export interface MfaStateTable {
  user_id: string;
  remind_after: number | null;
}

/** A password-attempt budget (see src/security/password-attempts.ts). */
export interface PasswordAttemptsTable {
  /** account | address | device */
  scope: string;
  /** Canonical email, client address, or device-cookie nonce. */
  subject: string;
  failures: number;
  next_allowed_at: number;
  expires_at: number;
}

/** A single-use enrollment link of the Gatehouse Authenticator (src/methods/push/enrollment-links.ts). */
export interface PushEnrollmentsTable {
  token_hash: string;
  user_id: string;
  method_id: string;
  uv_challenge: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

export type PushChallengeStatus = 'pending' | 'approved' | 'denied' | 'reported' | 'expired' | 'failed' | 'consumed';

/** A request waiting for (or answered by) a push device (src/methods/push/challenges.ts). */
export interface PushChallengesTable {
  id: string;
  user_id: string;
  kind: 'sign_in' | 'enroll';
  target_method_ids: string | null;
  flow_ref: string;
  number: string;
  display: string;
  uv_challenge: string;
  status: PushChallengeStatus;
  answered_method_id: string | null;
  amr: string | null;
  created_at: number;
  expires_at: number;
  answered_at: number | null;
}

/** A person's push limits and fraud signal (src/methods/push/limits.ts). */
export interface PushStateTable {
  user_id: string;
  paused_until: number;
  consecutive_refusals: number;
  window_start: number;
  window_count: number;
  last_fraud_at: number | null;
}

export interface VapidKeysTable {
  id: string;
  public_key: string;
  private_key: string;
  created_at: number;
}
