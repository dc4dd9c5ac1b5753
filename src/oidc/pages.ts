/**
 * The pages oidc-provider itself must answer with (RP-initiated logout, its errors). The protocol
 * layer says when; the HTTP layer draws them (src/http/provider-pages.ts), with its headers.
 */
export interface ProviderPages {
  /** Headers every page carries (CSP and the rest of the HTTP layer's set). */
  headers: Readonly<Record<string, string>>;
  /** "Sign out?", around oidc-provider's own hidden form. */
  logout(form: string): string;
  /** After an RP-initiated logout without a redirect back. */
  loggedOut(): string;
  /** An error oidc-provider renders itself (bad client, bad redirect URI…): its description and code. */
  error(description: string | undefined, code: string): string;
}
