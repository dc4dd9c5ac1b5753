import { need, CliError } from '../command.ts';
import type { Deps } from '../../context.ts';
import { findOrganizationByName } from '../../store/organizations.ts';

/** The organization an `--org NAME` option names, or a not_found error. */
export async function orgNamed(deps: Deps, name: string | undefined) {
  const org = await findOrganizationByName(deps.db, need(name, '--org').trim());
  if (!org) throw new CliError('not_found', `no organization named "${name}"`);
  return org;
}
