/** English messages of the policy engine: why a page asks, in the person's words (src/policy/why.ts). */
export const enPolicy = {
  'policy.why.company_policy_required': '{org} requires two-step verification for your account.',
  'policy.why.app_policy_required': '{app} requires two-step verification.',
  'policy.why.phishing_resistant_only': '{app} accepts only a passkey or a security key.',
  'policy.why.user_has_second_factor': 'You turned on two-step verification for your account.',
  'policy.why.remembered_device_off': 'Your organization does not let browsers be remembered.',
} as const;
