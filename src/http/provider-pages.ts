import type { T } from '../i18n/index.ts';
import type { ProviderPages } from '../oidc/pages.ts';
import { errorPage } from './pages/error.ts';
import { logoutPage, loggedOutPage } from './pages/logout.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

/** The HTTP layer's drawing of the pages oidc-provider answers with itself. */
export function providerPages(t: T): ProviderPages {
  return {
    headers: SECURITY_HEADERS,
    logout: (form) => logoutPage(t, form),
    loggedOut: () => loggedOutPage(t),
    error: (description, code) => errorPage(t, description ?? t('error.generic'), code),
  };
}
