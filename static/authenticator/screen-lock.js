// The phone's screen lock (fingerprint, face, PIN) through WebAuthn user verification, with the
// WebAuthn browser library Gatehouse already serves (/static/vendor/simplewebauthn-browser.js).

const lib = () => globalThis.SimpleWebAuthnBrowser;

/** Whether this device has a platform authenticator that verifies its user. */
export async function hasScreenLock() {
  try {
    return !!(lib() && window.PublicKeyCredential && (await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable()));
  } catch {
    return false;
  }
}

/** Registers a credential with the options the server gave at inspect; returns RegistrationResponseJSON. */
export function registerScreenLock(optionsJSON) {
  return lib().startRegistration({ optionsJSON });
}

/** Asks for the screen lock over a request's `userVerificationChallenge`; returns AuthenticationResponseJSON. */
export function proveScreenLock(screenLock, challenge) {
  return lib().startAuthentication({
    optionsJSON: {
      challenge,
      rpId: screenLock.rpId,
      allowCredentials: [{ id: screenLock.credentialId, type: 'public-key', transports: screenLock.transports }],
      userVerification: 'required',
      timeout: 60_000,
    },
  });
}
