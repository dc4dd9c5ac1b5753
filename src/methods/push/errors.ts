/**
 * The Authenticator API's error codes (docs/authenticator-api.md), each with its status. The same
 * code answers every failure a stranger could learn from (an unknown device is `device_unknown`
 * whether it never existed or was removed; every refused answer is `answer_refused`).
 */
export const PUSH_ERRORS = {
  invalid_request: 400,
  enrollment_link_invalid: 400,
  enrollment_link_used: 410,
  enrollment_link_expired: 410,
  device_unknown: 401,
  answer_refused: 400,
  not_found: 404,
} as const;

export type PushErrorCode = keyof typeof PUSH_ERRORS;

export class PushError extends Error {
  readonly status: number;
  constructor(readonly code: PushErrorCode, readonly description: string) {
    super(description);
    this.status = PUSH_ERRORS[code];
  }
}
