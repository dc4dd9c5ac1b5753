import { randomBytes } from 'node:crypto';

/** Time and randomness are passed in, so expiry, windows and lockout are tested without sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface Random {
  bytes(n: number): Buffer;
}

export const systemClock: Clock = { now: () => Date.now() };
export const systemRandom: Random = { bytes: (n) => randomBytes(n) };

/** A URL-safe random identifier of `bytes` bytes of entropy. */
export function randomId(random: Random, bytes = 16): string {
  return random.bytes(bytes).toString('base64url');
}
