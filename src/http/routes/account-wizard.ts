import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.ts';
import { accountSession } from '../session.ts';
import { auditContext } from '../request-context.ts';
import { emailCheckFor } from '../browser-risk.ts';
import { registerWizard, type WizardHost } from './wizard.ts';
import { deleteLoginFlow, loadLoginFlow, saveLoginFlow } from '../../store/login-flows.ts';
import { listActiveMethods } from '../../methods/records.ts';
import { hasFreshProof, recordEnrollment } from '../../flows/fresh-proof.ts';
import { SECOND_FACTOR_AMR } from '../../gate/evidence.ts';
import type { WizardState } from '../../flows/enrollment.ts';

/**
 * The enrollment wizard in Account settings → Two-step verification: opened by "Add a method" /
 * "Enable" after a fresh proof; its state is kept server-side beside the session's proofs.
 */
export function registerAccountWizard(app: FastifyInstance, deps: HttpDeps): void {
  const { t, db, clock } = deps;
  registerWizard(app, deps, '/account/security/enroll', async (req, reply): Promise<WizardHost | undefined> => {
    const { s } = await accountSession(deps, req, reply);
    if (!s) {
      reply.redirect('/account', 303);
      return undefined;
    }
    const key = `wizard:${s.sessionUid}`;
    const flow = await loadLoginFlow(db, clock, key);
    // The proof guards the change, which happens when the new method is confirmed; the steps after
    // that (recovery codes, done) only show its outcome. Checked there, the proof of a person who
    // had no 2FA (their password) would no longer count once the new method is active.
    const step = (flow?.data.wizard as WizardState | undefined)?.step;
    const changed = step === 'recovery' || step === 'done';
    if (!flow || flow.userId !== s.user.id || (!changed && !(await hasFreshProof(deps, s, (await listActiveMethods(db, s.user.id)).length > 0)))) {
      // Only reached through "Add a method" / "Enable", which check the proof first.
      reply.redirect('/account/security', 303);
      return undefined;
    }
    return {
      base: '/account/security/enroll',
      user: s.user,
      mode: 'self',
      continueLabel: t('wizard.done.back_to_settings'),
      where: auditContext(req),
      load: async () => flow.data.wizard as WizardState | undefined,
      save: async (wizard) => {
        await saveLoginFlow(db, clock, { ...flow, data: { wizard } }, 3600_000);
        // A session without a second factor that confirms a first method proved possession of it here.
        const secondFactorSession = (s.amr ?? []).some((v) => SECOND_FACTOR_AMR.has(v));
        if (wizard.amr && wizard.methodId && (wizard.step === 'recovery' || wizard.step === 'done') && !secondFactorSession) {
          await recordEnrollment(deps, s, wizard.amr, wizard.methodId);
        }
      },
      complete: async (rep) => {
        await deleteLoginFlow(db, key);
        return rep.redirect('/account/security?done=added', 303);
      },
      emailCheck: emailCheckFor(deps, s.user, req, async () => (await listActiveMethods(db, s.user.id)).length),
    };
  });
}
