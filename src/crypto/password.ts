import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with the OWASP parameters (m=19456 KiB, t=2, p=1). The encoded hash carries its
 * parameters, so a change here rehashes each password at its owner's next sign-in.
 */
export const ARGON2_PARAMS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

const ENCODED_PARAMS = `m=${ARGON2_PARAMS.memoryCost},t=${ARGON2_PARAMS.timeCost},p=${ARGON2_PARAMS.parallelism}`;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

export async function verifyPassword(encoded: string, password: string): Promise<boolean> {
  try {
    return await verify(encoded, password);
  } catch {
    return false;
  }
}

export function needsRehash(encoded: string): boolean {
  return !encoded.startsWith('$argon2id$') || !encoded.includes(`$${ENCODED_PARAMS}$`);
}

/**
 * A hash of a random password, verified against when the account does not exist, so that an
 * unknown email costs the same time as a wrong password.
 */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(`dummy-${Math.random()}`);
  return dummy;
}
