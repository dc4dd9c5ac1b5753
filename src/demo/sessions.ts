import { randomBytes } from 'node:crypto';

/** What a demo app remembers of a signed-in person: the ID token and its claims. */
export interface SignedIn {
  idToken: string;
  /** For the app's own API, when it has one (Payroll): the token its requests carry. */
  accessToken: string | undefined;
  sub: string;
  sid: string | undefined;
  name: string | undefined;
  email: string | undefined;
  acr: string | undefined;
  amr: string[];
  authTime: number | undefined;
}

/** A sign-in that went to Gatehouse and has not come back yet. */
export interface Pending {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Set for a step-up (max_age=0, or the API's max_age): the ID token's auth_time must then be that fresh. */
  maxAge?: number;
  /** Set for the app's sensitive action: the ID token must then say two factors were used. */
  sensitive?: boolean;
}

export interface DemoSession {
  id: string;
  /** Token for the app's own forms (sign-out). */
  csrf: string;
  expiresAt: number;
  pending?: Pending;
  user?: SignedIn;
  /** The sensitive action the app's API accepted: when, and how Gatehouse confirmed the person (from the access token). */
  confirmed?: { authTime: number | undefined; acr: string; amr: string[] };
}

const TTL_MS = 8 * 3600_000;
const MAX_SESSIONS = 10_000;

/**
 * Sessions of one demo app, in memory (a demo client; Gatehouse itself keeps its state in the store).
 * Bounded: the oldest sessions go first when a flood of cookie-less requests fills it.
 */
export class DemoSessions {
  readonly #sessions = new Map<string, DemoSession>();

  get(id: string | undefined): DemoSession | undefined {
    const s = id ? this.#sessions.get(id) : undefined;
    if (s && s.expiresAt < Date.now()) {
      this.#sessions.delete(s.id);
      return undefined;
    }
    return s;
  }

  create(): DemoSession {
    while (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    const s: DemoSession = { id: token(), csrf: token(), expiresAt: Date.now() + TTL_MS };
    this.#sessions.set(s.id, s);
    return s;
  }

  /** A new identifier for a session whose privilege changes (signed in): no session fixation. */
  rotate(s: DemoSession): DemoSession {
    this.#sessions.delete(s.id);
    const next: DemoSession = { ...s, id: token(), csrf: token(), expiresAt: Date.now() + TTL_MS };
    this.#sessions.set(next.id, next);
    return next;
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  /** Back-channel logout: drops every session of that Gatehouse session (sid), or of that person (sub). */
  endWhere(match: { sid?: string; sub?: string }): number {
    let n = 0;
    for (const s of this.#sessions.values()) {
      if (!s.user) continue;
      const hit = match.sid ? s.user.sid === match.sid && (!match.sub || s.user.sub === match.sub) : s.user.sub === match.sub;
      if (hit) {
        this.#sessions.delete(s.id);
        n++;
      }
    }
    return n;
  }
}

function token(): string {
  return randomBytes(24).toString('base64url');
}
