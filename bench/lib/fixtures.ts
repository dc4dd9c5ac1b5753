/** What the password-users seed returns: the app's credentials and the users' addresses. */
export interface PasswordFixture {
  clientId: string;
  clientSecret: string;
  emails: string[];
}

/** Shared by every benchmark user; the bench never checks a wrong password. */
export const BENCH_PASSWORD = 'correct horse battery staple';
/** Never requested: the load generator stops at the redirect and reads the code from the Location header. */
export const BENCH_REDIRECT_URI = 'http://127.0.0.1:9/cb';

/** What the totp-users seed returns: an app whose policy is Required, and accounts with an active authenticator app. */
export interface TotpFixture {
  clientId: string;
  clientSecret: string;
  /** The TOTP seed (base32) of each account: the load generator is their authenticator app. */
  users: { email: string; seed: string }[];
}

/** What the passkey-users seed returns: the owner of each credential it was given, in order. */
export interface PasskeyFixture {
  userIds: string[];
}

/** What the push-users seed returns: an app whose policy is Required, and each account's device id, in the order of the keys given. */
export interface PushFixture {
  clientId: string;
  clientSecret: string;
  users: { id: string; email: string; deviceId: string }[];
}
