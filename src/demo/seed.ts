import type { Deps } from '../context.ts';
import { deriveKey } from '../crypto/secret-box.ts';
import { hashPassword } from '../crypto/password.ts';
import { audit } from '../store/audit.ts';
import { APP_POLICIES, clientMetadata, createApp, findClientRow, type AppPolicy, type ClientRow } from '../store/clients.ts';
import { createOrganization, findOrganizationByName } from '../store/organizations.ts';
import { claimDomain, findDomainClaim, markVerified } from '../store/org-domains.ts';
import { parseCompanyPolicy } from '../policy/company-policy.ts';
import { saveCompanyPolicy } from '../policy/company-of.ts';
import { createUser, DuplicateEmailError, findUserByEmail } from '../store/users.ts';
import { createResourceServer, findResourceServer } from '../store/resource-servers.ts';
import { DEMO_ORGANIZATION, DEMO_USER, demoAppUris, type DemoApi, type DemoAppDefinition } from './catalog.ts';

export interface SeedApp {
  app: DemoAppDefinition;
  /** Origin the demo app is served from, e.g. `http://localhost:3001`. */
  baseUrl: string;
}

export interface SeedResult {
  organizationId: string;
  userId: string;
  /** Client ids that were created or re-registered this time (empty on an unchanged restart). */
  changedApps: string[];
}

/**
 * A demo app's client secret, derived from the secret key: every start computes the same one, so
 * no plaintext secret is stored anywhere and the demo apps need no configuration.
 */
export function demoClientSecret(secretKey: Buffer, clientId: string): string {
  return deriveKey(secretKey, `demo-client/${clientId}`).toString('base64url');
}

/**
 * Seeds the demo organization, user and apps. Safe on every start: what exists is kept (a demo user
 * who changed their password keeps it; an app keeps the policy set on it since), and an app is
 * re-registered only when its URIs (the port changed) or its secret (the secret key changed) differ.
 */
export async function seedDemo(deps: Deps, apps: readonly SeedApp[]): Promise<SeedResult> {
  const organizationId = await ensureOrganization(deps);
  await ensureCompanyPolicy(deps, organizationId);
  const userId = await ensureUser(deps, organizationId);
  const changedApps: string[] = [];
  for (const a of apps) if (await ensureApp(deps, a)) changedApps.push(a.app.clientId);
  for (const a of apps) if (a.app.sensitiveAction) await ensureApi(deps, a.app.name, a.app.sensitiveAction.api);
  return { organizationId, userId, changedApps };
}

async function ensureOrganization(deps: Deps): Promise<string> {
  const { db, clock, random } = deps;
  const existing = await findOrganizationByName(db, DEMO_ORGANIZATION);
  if (existing) return existing.id;
  const org = await createOrganization(db, clock, random, DEMO_ORGANIZATION);
  await audit(db, clock, { event: 'demo.organization_created', details: { organizationId: org.id } });
  return org.id;
}

/** How long the demo company's grace period lasts from the first start: "Remind me later" until then. */
export const DEMO_GRACE_DAYS = 30;

/**
 * Demo Company owns the demo user's email domain, verified (by the server admin: there is no DNS for
 * gatehouse.test), and requires 2FA with a grace date. Set once; `gatehouse org policy set` changes stick.
 */
async function ensureCompanyPolicy(deps: Deps, organizationId: string): Promise<void> {
  const { db, clock, random } = deps;
  const domain = DEMO_USER.email.split('@')[1]!;
  if (await findDomainClaim(db, organizationId, domain)) return;
  try {
    await claimDomain(db, clock, random, organizationId, domain);
  } catch {
    return; // Another instance claimed it at the same moment.
  }
  await markVerified(db, clock, organizationId, domain, 'admin');
  await saveCompanyPolicy(db, organizationId, parseCompanyPolicy({ secondFactor: 'required', graceUntil: clock.now() + DEMO_GRACE_DAYS * 24 * 3600 * 1000, newDeviceEmail: true }));
  await audit(db, clock, { event: 'demo.company_policy_set', details: { organizationId, domain } });
}

async function ensureUser(deps: Deps, organizationId: string): Promise<string> {
  const { db, clock, random } = deps;
  const existing = await findUserByEmail(db, DEMO_USER.email);
  if (existing) return existing.id;
  try {
    const user = await createUser(db, clock, random, {
      email: DEMO_USER.email,
      name: DEMO_USER.name,
      passwordHash: await hashPassword(DEMO_USER.password),
      emailVerified: true,
      orgId: organizationId,
    });
    await audit(db, clock, { event: 'demo.user_created', userId: user.id });
    return user.id;
  } catch (err) {
    // Another instance seeded it at the same moment (several instances on one PostgreSQL).
    if (!(err instanceof DuplicateEmailError)) throw err;
    return (await findUserByEmail(db, DEMO_USER.email))!.id;
  }
}

/** Registers a demo app's own API as a resource server, so its sign-ins get access tokens for it. */
async function ensureApi(deps: Deps, appName: string, api: DemoApi): Promise<void> {
  const { db, clock } = deps;
  if (await findResourceServer(db, api.resource)) return;
  try {
    await createResourceServer(db, clock, { identifier: api.resource, name: `${appName} API`, scopes: api.scope });
  } catch (err) {
    // Another instance registered it at the same moment (several instances on one PostgreSQL).
    if (!(await findResourceServer(db, api.resource))) throw err;
    return;
  }
  await audit(db, clock, { event: 'demo.api_created', details: { identifier: api.resource } });
}

/** Returns true when the app was (re)registered. */
async function ensureApp(deps: Deps, { app, baseUrl }: SeedApp): Promise<boolean> {
  const { db, clock, config } = deps;
  const uris = demoAppUris(baseUrl);
  const secret = demoClientSecret(config.secretKey, app.clientId);
  const existing = await findClientRow(db, app.clientId);
  if (existing && isCurrent(deps, existing, uris, secret)) return false;

  try {
    await register(deps, existing, { app, baseUrl }, secret);
  } catch (err) {
    // Another instance registered it at the same moment (several instances on one PostgreSQL).
    const now = await findClientRow(db, app.clientId);
    if (now && isCurrent(deps, now, uris, secret)) return false;
    throw err;
  }
  await audit(db, clock, {
    event: existing ? 'demo.app_updated' : 'demo.app_created',
    clientId: app.clientId,
    details: { redirectUri: uris.redirectUri },
  });
  return true;
}

async function register(deps: Deps, existing: ClientRow | undefined, { app, baseUrl }: SeedApp, secret: string): Promise<void> {
  const { db, box, clock, random } = deps;
  const uris = demoAppUris(baseUrl);
  await db.transaction().execute(async (trx) => {
    if (existing) await trx.deleteFrom('clients').where('client_id', '=', app.clientId).execute();
    await createApp(trx, box, clock, random, {
      name: app.name,
      clientId: app.clientId,
      clientSecret: secret,
      redirectUris: [uris.redirectUri],
      postLogoutRedirectUris: [uris.postLogoutRedirectUri],
      backchannelLogoutUri: uris.backchannelLogoutUri,
      firstParty: true,
      // A policy changed since (`gatehouse app policy …`) survives a port change.
      policy: existing && isPolicy(existing.policy) ? existing.policy : app.policy,
    });
  });
}

function isCurrent(deps: Deps, row: ClientRow, uris: ReturnType<typeof demoAppUris>, secret: string): boolean {
  let metadata;
  try {
    metadata = clientMetadata(deps.box, row);
  } catch {
    return false; // sealed under another secret key: re-register with the current one
  }
  return (
    metadata.client_secret === secret &&
    sameList(metadata.redirect_uris, [uris.redirectUri]) &&
    sameList(metadata.post_logout_redirect_uris, [uris.postLogoutRedirectUri]) &&
    metadata.backchannel_logout_uri === uris.backchannelLogoutUri
  );
}

function isPolicy(p: string): p is AppPolicy {
  return (APP_POLICIES as readonly string[]).includes(p);
}

function sameList(a: unknown, b: string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);
}
