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
