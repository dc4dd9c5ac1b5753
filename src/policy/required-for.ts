import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';

/**
 * Whether a policy requires 2FA for this person, so that their last method cannot be removed.
 * Until organizations' domain policies exist (ROADMAP §2), that is: some application they use is
 * marked Required. Reset stays possible: it leads straight back into the wizard.
 */
export async function secondFactorRequiredFor(deps: Deps, _user: User): Promise<boolean> {
  const row = await deps.db.selectFrom('clients').select('client_id').where('policy', '=', 'required').executeTakeFirst();
  return !!row;
}
