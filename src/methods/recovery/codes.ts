import { createHmac } from 'node:crypto';
import type { Deps } from '../../context.ts';
import { deriveKey } from '../../crypto/secret-box.ts';

export const RECOVERY_CODE_COUNT = 10;
// Crockford-style alphabet without look-alikes (0/O, 1/I/L): codes are read off paper.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** Ten codes like `K7QM-2XHD-9WPT` (about 70 bits each) from the CSPRNG. */
export function generateRecoveryCodes(deps: Pick<Deps, 'random'>): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = deps.random.bytes(12);
    const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

/** Case, spaces and dashes do not matter when typing a code back. */
export function normaliseRecoveryCode(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const c = input.toUpperCase().replace(/[\s-]/g, '');
  return /^[A-Z0-9]{12}$/.test(c) ? c : undefined;
}

/** Keyed hash: a stolen database alone does not allow testing guesses offline. */
export function hashRecoveryCode(deps: Pick<Deps, 'config'>, normalised: string): string {
  return createHmac('sha256', deriveKey(deps.config.secretKey, 'recovery-codes')).update(normalised).digest('base64url');
}

/** Replaces the whole set: old codes stop working at once. Returns the new codes to show once. */
export async function regenerateRecoveryCodes(deps: Deps, userId: string): Promise<string[]> {
  const codes = generateRecoveryCodes(deps);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    await trx
      .insertInto('recovery_codes')
      .values(codes.map((c) => ({ user_id: userId, code_hash: hashRecoveryCode(deps, normaliseRecoveryCode(c)!), used_at: null, created_at: now })))
      .execute();
  });
  return codes;
}

/** Uses a code: one conditional UPDATE, so of twenty parallel uses of one code exactly one succeeds. */
export async function useRecoveryCode(deps: Deps, userId: string, input: unknown): Promise<'ok' | 'invalid' | 'malformed'> {
  const normalised = normaliseRecoveryCode(input);
  if (!normalised) return 'malformed';
  const r = await deps.db
    .updateTable('recovery_codes')
    .set({ used_at: deps.clock.now() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hashRecoveryCode(deps, normalised))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1 ? 'ok' : 'invalid';
}

export async function remainingRecoveryCodes(deps: Pick<Deps, 'db'>, userId: string): Promise<number> {
  const r = await deps.db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function deleteRecoveryCodes(deps: Pick<Deps, 'db'>, userId: string): Promise<void> {
  await deps.db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}
