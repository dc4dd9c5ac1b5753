import type { AppPolicy } from '../store/clients.ts';

/**
 * Text of the demo apps' pages. The demo apps stand in for someone else's applications, so their
 * text is theirs and not in Gatehouse's catalog (src/i18n); it is still kept in one place.
 */
export const DEMO_TEXT = {
  tagline: 'A demo application that signs its users in with Gatehouse.',
  signedOut: 'You are not signed in.',
  signIn: 'Sign in',
  signOut: 'Sign out',
  stepUp: 'Sign in again (step-up)',
  stepUpHint: 'Asks Gatehouse for a fresh sign-in (max_age=0): watch auth_time change.',
  signedInAs: 'Signed in as',
  idToken: 'From the ID token',
  name: 'Name',
  email: 'Email',
  subject: 'Subject (sub)',
  acr: 'Authentication context (acr)',
  amr: 'Methods used (amr)',
  authTime: 'Authenticated at (auth_time)',
  sid: 'Session (sid)',
  otherApps: 'Single sign-on: open another app without typing your password again.',
  open: (name: string) => `Open ${name}`,
  policy: (policy: AppPolicy) => `Two-step verification policy of this app in Gatehouse: ${POLICY_NAMES[policy]}.`,
  sensitiveHint: (action: string) =>
    `Payroll's API accepts this only after two-step verification in the last 5 minutes; otherwise it answers with a step-up challenge (RFC 9470) and Payroll asks Gatehouse to confirm it is you (acr_values=…multi-factor, max_age=300), saying what for (gatehouse_action=${action}).`,
  sensitiveDoneTitle: (label: string) => `${label}: confirmed`,
  sensitiveDone: (action: string) => `Gatehouse confirmed it is you with two-step verification. You can now ${action}.`,
  sensitiveDemoNote: 'This is a demo: nothing is changed. A real app would show its form here and accept it for a few minutes.',
  back: 'Back to the start page',
  errorTitle: 'Sign-in did not complete',
  errorBack: 'Back to the start page',
  errors: {
    access_denied: 'The sign-in was cancelled or refused.',
    state: 'This sign-in response does not belong to a sign-in started here (it expired, or was opened in another browser). Start again.',
    provider: 'Gatehouse answered with an error.',
    unavailable: 'Gatehouse could not be reached. Is it running?',
    csrf: 'The form expired. Go back and try again.',
    generic: 'Something went wrong.',
    not_confirmed: 'Gatehouse did not confirm two-step verification, so nothing can be changed. Try again.',
  },
} as const;

/**
 * What each behaviour really does at sign-in, as the policy engine decides it (src/policy/engine.ts,
 * decision 0013): Required asks every time unless the device is remembered; Adaptive asks by the risk
 * (a browser that has not completed a two-factor sign-in, a new country…) and suggests set-up, which can
 * be put off; Bypass asks nothing even of people who have set it up.
 */
const POLICY_NAMES: Record<AppPolicy, string> = {
  bypass: 'Bypass: signs in with the password alone, even for people who have set up two-step verification',
  adaptive:
    'Adaptive: asks for the second step of people who have set up two-step verification when the sign-in looks new or risky — a browser that has not completed it before, a new country, recent failed attempts — and says why; ' +
    'suggests setting it up to the others, who can choose to be reminded later',
  required:
    'Required: asks for the second step at every sign-in, unless this device is remembered; ' +
    'people who have not set up two-step verification must do so before they go on',
};
