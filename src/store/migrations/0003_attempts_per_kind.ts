import type { Kysely } from 'kysely';

/**
 * Second-factor attempts count per method kind (decision 0007): `mfa_attempts.scope` is now a kind
 * (`totp`, `webauthn@<address>`, `recovery`, `unoffered`; `push` later) instead of `factor` for
 * every code and key together. The columns stay as they are; a running `factor` count carries over
 * to the authenticator app, so a flood in progress keeps its count — but it is no longer permanent:
 * another method, a recovery code or the email reset link lifts it. Keys start afresh: their
 * failures are no guesses at a code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.updateTable('mfa_attempts').set({ scope: 'totp' }).where('scope', '=', 'factor').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('mfa_attempts').where('scope', 'not in', ['totp', 'recovery']).execute();
  await db.updateTable('mfa_attempts').set({ scope: 'factor' }).where('scope', '=', 'totp').execute();
}
