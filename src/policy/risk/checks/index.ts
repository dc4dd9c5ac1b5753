import type { RiskCheck } from '../types.ts';
import { deviceCheck } from './device.ts';
import { trustedNetworkCheck } from './trusted-network.ts';
import { newCountryCheck } from './new-country.ts';
import { impossibleTravelCheck } from './impossible-travel.ts';
import { recentFailuresCheck } from './recent-failures.ts';
import { pushDeniedCheck } from './push-denied.ts';
import { pushFraudCheck } from './push-fraud.ts';
import { commonPasswordCheck } from './common-password.ts';

export { deviceCheck, trustedNetworkCheck, newCountryCheck, impossibleTravelCheck, recentFailuresCheck, pushDeniedCheck, pushFraudCheck, commonPasswordCheck };

/** Every named check, in the order their signals are listed. */
export const ALL_CHECKS: readonly RiskCheck[] = [
  deviceCheck,
  trustedNetworkCheck,
  newCountryCheck,
  impossibleTravelCheck,
  recentFailuresCheck,
  pushDeniedCheck,
  pushFraudCheck,
  commonPasswordCheck,
];
