/** English messages of two-step verification (2FA): methods, challenge, wizard, settings, mail. */
export const enMfa = {
  'method.totp': 'Authenticator app',
  'method.totp.description': 'A 6-digit code from Google Authenticator, Microsoft Authenticator or any compatible app.',
  'method.webauthn': 'Security key or passkey',
  'method.webauthn.description': 'Touch a USB security key, or use your fingerprint, face or screen lock.',
  'method.recovery': 'Recovery code',

  'notice.footer': 'If this was not you, sign in and review your two-step verification now, and change your password:\n{link}',
  'notice.method_added.subject': 'A two-step verification method was added',
  'notice.method_added.body': 'Hello,\n\n"{name}" ({type}) was added to your two-step verification.',
  'notice.method_removed.subject': 'A two-step verification method was removed',
  'notice.method_removed.body': 'Hello,\n\n"{name}" ({type}) was removed from your two-step verification. You have been signed out of every app on every other device.',
  'notice.mfa_reset.subject': 'Your two-step verification was reset',
  'notice.mfa_reset.body': 'Hello,\n\nEvery two-step verification method of your account was removed, and you have been signed out of every app on every other device. Set up two-step verification again in your account settings.',
  'notice.recovery_code_used.subject': 'A recovery code was used to sign in',
  'notice.recovery_code_used.body': 'Hello,\n\nOne of your recovery codes was just used to sign in to your account. If you lost your phone or security key, review your methods now.',
  'notice.recovery_codes_regenerated.subject': 'New recovery codes were created',
  'notice.recovery_codes_regenerated.body': 'Hello,\n\nA new set of recovery codes was created for your account. The old codes no longer work.',
} as const;
