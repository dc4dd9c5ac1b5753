/** English messages of the policy engine: why a page asks, in the person's words (src/policy/why.ts). */
export const enPolicy = {
  'policy.why.company_policy_required': '{org} requires two-step verification for your account.',
  'policy.why.app_policy_required': '{app} requires two-step verification.',
  'policy.why.phishing_resistant_only': '{app} accepts only a passkey or a security key.',
  'policy.why.user_has_second_factor': 'You turned on two-step verification for your account.',
  'policy.why.remembered_device_off': 'Your organization does not let browsers be remembered.',
  'notice.enroll_code.subject': 'Your code to turn on two-step verification',
  'notice.enroll_code.body':
    "Hello,\n\nSomeone is turning on two-step verification for your account from a browser or a place it has not been used from before. If that is you, type this code on the page:\n\n  {code}\n\nIt works for {minutes} minutes. If it isn't you, don't give the code to anyone: someone knows your password.",
  'wizard.email.title': 'Check your email',
  'wizard.email.lead': 'Before you add your first method from here, confirm that this is your account. We sent a 6-digit code to {email}.',
  'wizard.email.code_label': 'Code from the email',
  'wizard.email.code_hint': 'It works for 10 minutes. Only the newest code works.',
  'wizard.email.resend': 'Send a new code',
  'wizard.email.resent': 'We sent a new code.',
  'wizard.email.invalid': "That code isn't right. Check the newest email from Gatehouse and try again.",
  'wizard.email.expired': 'That code has expired. Send a new code.',
  'wizard.email.spent': 'Too many wrong codes. Send a new code.',
  'wizard.email.throttled': 'We have sent too many codes in the last hour. Try again later.',
  'notice.new_device.subject': 'New sign-in to {app} from a device you have not used before',
  'notice.new_device.body':
    'Hello,\n\nYour account was just used to sign in to {app} from a browser it had not signed in from before:\n\n  Browser: {browser}\n  Address: {place}\n  When: {when}\n\n{org} asks Gatehouse to tell you about every new device. If this was you, there is nothing to do.',
} as const;
