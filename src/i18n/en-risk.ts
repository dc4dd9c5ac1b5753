/**
 * English messages of adaptive risk: why the challenge page asks (or why it did not), one sentence
 * per reason of src/policy/risk/types.ts, for people, the audit view and the policy simulator.
 */
export const enRisk = {
  'risk.reason.new_device': "We're asking because this is a new device.",
  'risk.reason.known_device': "You've signed in on this device before.",
  'risk.reason.trusted_network': "You're on your organization's network.",
  'risk.reason.new_country': "We're asking because you're signing in from a country you haven't used before.",
  'risk.reason.impossible_travel': "We're asking because your last sign-in was from a place too far away to have travelled from since.",
  'risk.reason.recent_failures': "We're asking because someone got your password or code wrong several times in the last hour.",
  'risk.reason.push_fraud_reported': "We're asking because a sign-in request was reported with \"This wasn't me\" in the last day.",
  'risk.reason.push_denied': "We're asking because a sign-in request was denied on your phone in the last day.",
  'risk.reason.common_password': "We're asking because your password is on a list of commonly used passwords. Consider changing it.",
  'risk.reason.unknown_address': "We're asking because we couldn't tell where this sign-in comes from.",
} as const;
