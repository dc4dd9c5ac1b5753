import type { CDPSession, Page } from 'playwright-core';

/**
 * The authenticators of the DevTools Protocol `WebAuthn` domain (see TOOLCHAIN.md): a platform
 * passkey with user verification, a USB security key without resident keys or user verification,
 * and a legacy U2F key.
 */
export const AUTHENTICATORS = {
  passkey: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  'security-key': { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'usb', hasResidentKey: false, hasUserVerification: false, automaticPresenceSimulation: true },
  u2f: { protocol: 'u2f', transport: 'usb', automaticPresenceSimulation: true },
} as const;

export type AuthenticatorKind = keyof typeof AUTHENTICATORS;

/** A credential as `WebAuthn.getCredentials` returns it (ids and keys base64, not base64url). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  /** PKCS#8 private key, base64. */
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

export interface VirtualAuthenticator {
  id: string;
  cdp: CDPSession;
  credentials(): Promise<VirtualCredential[]>;
  /** Puts a credential into this authenticator, e.g. a copy of another one's key with a lower counter. */
  addCredential(credential: VirtualCredential): Promise<void>;
  /** Forgets every credential (a reset key): the next ceremony finds nothing to sign with. */
  clearCredentials(): Promise<void>;
  setUserVerified(verified: boolean): Promise<void>;
  /**
   * From now on the authenticator's responses are tampered with (all false: honest again):
   * a garbage signature, or the user-verified / user-present flag cleared after signing.
   */
  setResponseOverrides(o: { bogusSignature?: boolean; badUV?: boolean; badUP?: boolean }): Promise<void>;
  /** Off: ceremonies wait (like a key nobody touches) until it is switched on again. */
  setPresence(automatic: boolean): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Adds a virtual authenticator to the tab `page` (it stays across navigations in that tab; another
 * tab has authenticators of its own). Chromium's own WebAuthn dialogs are off, and presence is
 * simulated, so ceremonies complete without a person.
 */
export async function addVirtualAuthenticator(page: Page, kind: AuthenticatorKind): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { ...AUTHENTICATORS[kind] } });
  return {
    id: authenticatorId,
    cdp,
    async credentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials as VirtualCredential[];
    },
    async addCredential(credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    },
    async clearCredentials() {
      await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
    },
    async setUserVerified(isUserVerified) {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified });
    },
    async setResponseOverrides(o) {
      await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: !!o.bogusSignature, isBadUV: !!o.badUV, isBadUP: !!o.badUP });
    },
    async setPresence(enabled) {
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    },
    async remove() {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
      await cdp.detach();
    },
  };
}

/** The credential id as the server stores it (base64url). */
export function credentialIdOf(credential: VirtualCredential): string {
  return Buffer.from(credential.credentialId, 'base64').toString('base64url');
}
