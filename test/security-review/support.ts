import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import type { FakeClock } from '../helpers/mfa.ts';
import { CALLBACKS, personWithTotp } from '../gate/support.ts';

export const EXPENSE_CB = 'http://127.0.0.1:9/expense/cb';

export interface PayrollAndExpense {
  t: TestGatehouse;
  /** Payroll: Required. */
  payroll: client.Configuration;
  /** Expense: Adaptive (the risk decides). */
  expense: client.Configuration;
  /** A person with TOTP, enrolled at Payroll. */
  person: { userId: string; secret: string };
}

/** A Gatehouse with Payroll (Required) and Expense (Adaptive), and a person with TOTP: the breaker's usual world. */
export async function payrollAndExpense(clock: FakeClock, email: string): Promise<PayrollAndExpense> {
  const t = await startTestGatehouse({}, { clock });
  const r = await t.createApp({ name: 'Payroll', redirectUris: [CALLBACKS.required], policy: 'required' });
  const e = await t.createApp({ name: 'Expense', redirectUris: [EXPENSE_CB], policy: 'adaptive' });
  const payroll = await relyingParty(t.issuer, r.clientId, r.clientSecret);
  const expense = await relyingParty(t.issuer, e.clientId, e.clientSecret);
  const person = await personWithTotp(t, payroll, CALLBACKS.required, email, clock);
  return { t, payroll, expense, person };
}
