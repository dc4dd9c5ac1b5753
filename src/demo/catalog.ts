import type { AppPolicy } from '../store/clients.ts';

/** One of the three demo applications a newcomer signs in to. */
export interface DemoAppDefinition {
  name: string;
  /** Fixed, so a restart finds the app it registered before. */
  clientId: string;
  /** Its 2FA behaviour in Gatehouse: one of each, so the demo shows all three. */
  policy: AppPolicy;
  /** Accent colour of its pages, so the three apps are told apart at a glance. */
  color: string;
  /** Its port is Gatehouse's port plus this. */
  portOffset: number;
  /**
   * A sensitive action the app protects with a step-up: `acr_values` multi-factor, and the action
   * named in `gatehouse_action` so Gatehouse's second-factor page says what it is for.
   */
  sensitiveAction?: DemoSensitiveAction;
}

export interface DemoSensitiveAction {
  /** The button on the app's home page. */
  label: string;
  /** The verb phrase Gatehouse shows after "to" ("… to change bank details"). */
  action: string;
  /**
   * The app's own API that performs the action and enforces the step-up through @gatehouse/sdk
   * (RFC 9470): registered in Gatehouse as a resource server; the app signs in with `resource=`.
   */
  api: DemoApi;
}

export interface DemoApi {
  /** Resource identifier (RFC 8707) and the access token's `aud`; fixed, so a port change keeps it. */
  resource: string;
  /** The one scope the app asks for it. */
  scope: string;
  /** The API's route on the app's own server. */
  path: string;
  /** Seconds since the sign-in within which the API accepts the action. */
  maxAge: number;
}

export const DEMO_APPS: readonly DemoAppDefinition[] = [
  { name: 'Expense', clientId: 'demo-expense', policy: 'adaptive', color: '#1b6e45', portOffset: 1 },
  {
    name: 'Payroll',
    clientId: 'demo-payroll',
    policy: 'required',
    color: '#5b3a9e',
    portOffset: 2,
    sensitiveAction: {
      label: 'Change bank details',
      action: 'change bank details',
      api: { resource: 'https://payroll.demo.gatehouse.test/api', scope: 'payroll:bank-details', path: '/api/bank-details', maxAge: 300 },
    },
  },
  { name: 'Directory', clientId: 'demo-directory', policy: 'bypass', color: '#a4451a', portOffset: 3 },
];

export const DEMO_ORGANIZATION = 'Demo Company';

/** The demo account (README lists it). A passphrase that passes the password policy. */
export const DEMO_USER = { email: 'demo@gatehouse.test', password: 'welcome to the gatehouse', name: 'Dana Demo' } as const;

/** Where a demo app is reachable; its OIDC URIs hang off this origin. */
export function demoAppUris(baseUrl: string) {
  const base = baseUrl.replace(/\/$/, '');
  return {
    redirectUri: `${base}/callback`,
    postLogoutRedirectUri: `${base}/`,
    backchannelLogoutUri: `${base}/backchannel-logout`,
  };
}
