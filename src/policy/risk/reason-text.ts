import { translator, type MessageKey, type T } from '../../i18n/index.ts';
import type { RiskReason } from './types.ts';

/** The message key of a reason (src/i18n/en-risk.ts). */
export const reasonKey = (reason: RiskReason): MessageKey => `risk.reason.${reason}`;

/**
 * A reason in plain words for the challenge page, the audit view and the simulator.
 * @example reasonText('new_device') // "We're asking because this is a new device."
 */
export function reasonText(reason: RiskReason, t: T = translator()): string {
  return t(reasonKey(reason));
}
