import type Provider from 'oidc-provider';
import type { Deps } from '../context.ts';
import type { Csrf } from './csrf.ts';
import type { T } from '../i18n/index.ts';

/** What the HTTP layer's routes and pages are given: the app's dependencies, the provider, the form tokens and the translator. */
export interface HttpDeps extends Deps {
  provider: Provider;
  csrf: Csrf;
  t: T;
}
