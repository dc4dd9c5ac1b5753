/**
 * The Authenticator API's error codes (docs/authenticator-api.md), each with its status. The same
 * code answers every failure a stranger could learn from (an unknown device is `device_unknown`
 * whether it never existed or was removed; every refused answer is `answer_refused`). The codes
 * that say more (`clock_skew`, `request_replayed`, `last_method_required`) are only given once the
 * device's own signature verified: they tell the key's holder nothing a stranger could learn.
 */
export const PUSH_ERRORS = {
  invalid_request: 400,
  enrollment_link_invalid: 400,
  enrollment_link_used: 410,
  enrollment_link_expired: 410,
  device_unknown: 401,
  clock_skew: 401,
  request_replayed: 401,
  last_method_required: 409,
  answer_refused: 400,
  not_found: 404,
} as const;

export type PushErrorCode = keyof typeof PUSH_ERRORS;

export class PushError extends Error {
  readonly status: number;
  constructor(
    readonly code: PushErrorCode,
    readonly description: string,
    /** Fields the contract adds to this error's body (`serverTime` of `clock_skew`). */
    readonly extra: Record<string, string | number> = {},
  ) {
    super(description);
    this.status = PUSH_ERRORS[code];
  }
}
