import type { Page } from 'playwright-core';
import { enterPassword, t } from './webauthn-support.ts';
import { DEMO_USER } from '../../src/demo/index.ts';

/** Steps a person takes in a demo app (src/demo): the browser suites that walk README's demo share them. */

/** The app's "Sign in" button, then Gatehouse's email and password pages. */
export async function signInToDemoApp(page: Page, appUrl: string, issuer: string, email: string = DEMO_USER.email, password: string = DEMO_USER.password): Promise<void> {
  await page.goto(`${appUrl}/`);
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => u.href.startsWith(issuer));
  await enterPassword(page, email, password);
}

/** The app's "Sign out", then Gatehouse's confirmation: signed out of the app and of Gatehouse. */
export async function signOutOfDemoApp(page: Page, appUrl: string): Promise<void> {
  await page.goto(`${appUrl}/`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: t('logout.yes') }).click();
  await page.waitForURL(`${appUrl}/`);
  await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();
}
