/** Event-bus channels of push (src/store/events.ts). Payloads carry statuses only, never a number or a secret. */

/** A request changed status (answered, expired): the browser waiting on it reads the store again. */
export const challengeChannel = (challengeId: string) => `push:challenge:${challengeId}`;
/** A request started for a person: their devices' wait streams read the store again. */
export const userChannel = (userId: string) => `push:user:${userId}`;
/** The pending device of a wizard registered its key. */
export const enrollChannel = (methodId: string) => `push:enroll:${methodId}`;
