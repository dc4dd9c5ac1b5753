import { command, need, CliError, type AnyCommand } from '../command.ts';
import { withStore } from '../store.ts';
import { table, isoTime } from '../output.ts';
import { hashPassword } from '../../crypto/password.ts';
import { translator } from '../../i18n/index.ts';
import { createUser, findUserByEmail, isPlausibleEmail, canonicalEmail, listUsers, updateUser, DuplicateEmailError, type User } from '../../store/users.ts';
import { audit } from '../../store/audit.ts';
import { ensureSigningKey } from '../../store/keys.ts';

/** What the command line shows of a user: never the password hash. */
function publicUser(u: User) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    emailVerified: u.email_verified === 1,
    disabled: u.disabled === 1,
    orgId: u.org_id,
    createdAt: isoTime(u.created_at),
  };
}

/** The password from `--password` or, so it stays out of shell history and `ps`, from the first line of stdin. */
async function readPassword(values: { password?: string; 'password-stdin'?: boolean }): Promise<string> {
  if (values.password !== undefined && values['password-stdin']) throw new CliError('usage', 'use either --password or --password-stdin, not both');
  if (!values['password-stdin']) return need(values.password, '--password');
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  return need(input.split(/\r?\n/)[0], '--password-stdin (an empty line was read)');
}

const create = command({
  path: ['user', 'create'],
  summary: 'Create a user with a password (the email counts as verified)',
  usage: '--email E (--password P | --password-stdin) [--name N]',
  options: { email: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' }, name: { type: 'string' } },
  async run({ values, out }) {
    const email = need(values.email, '--email');
    if (!isPlausibleEmail(canonicalEmail(email))) throw new CliError('invalid_value', `--email is not a valid email address: "${email}"`);
    const password = await readPassword(values);
    // The common-password list is large: loaded by the one command that needs it.
    const { checkPasswordPolicy } = await import('../../crypto/password-policy.ts');
    const broken = checkPasswordPolicy(password, email);
    if (broken) throw new CliError('invalid_value', `password refused: ${translator()(broken)}`);
    const user = await withStore(async (deps) => {
      try {
        const u = await createUser(deps.db, deps.clock, deps.random, { email, name: values.name, passwordHash: await hashPassword(password), emailVerified: true });
        await audit(deps.db, deps.clock, { event: 'user.created', userId: u.id, details: { via: 'cli' } });
        return u;
      } catch (err) {
        if (err instanceof DuplicateEmailError) throw new CliError('conflict', `a user with email ${canonicalEmail(email)} already exists`);
        throw err;
      }
    });
    out.result(publicUser(user), `Created user ${user.email} (id ${user.id}).`);
  },
});

const list = command({
  path: ['user', 'list'],
  summary: 'List users',
  usage: '',
  options: {},
  async run({ out }) {
    const users = (await withStore((deps) => listUsers(deps.db))).map(publicUser);
    out.result(users, () =>
      table(
        users.map((u) => ({ ...u, verified: u.emailVerified ? 'yes' : 'no', status: u.disabled ? 'disabled' : 'active', createdAt: u.createdAt ?? '' })),
        [['email', 'EMAIL'], ['name', 'NAME'], ['verified', 'VERIFIED'], ['status', 'STATUS'], ['id', 'ID'], ['createdAt', 'CREATED']],
        'No users.',
      ),
    );
  },
});

const disable = command({
  path: ['user', 'disable'],
  summary: 'Disable a user and sign them out of every app on every device',
  usage: '--email E',
  options: { email: { type: 'string' } },
  async run({ values, out }) {
    const email = need(values.email, '--email');
    const user = await withStore(async (deps) => {
      const u = await findUserByEmail(deps.db, email);
      if (!u) throw new CliError('not_found', `no user with email ${canonicalEmail(email)}`);
      await updateUser(deps.db, deps.clock, u.id, { disabled: 1 });
      await audit(deps.db, deps.clock, { event: 'user.disabled', userId: u.id, details: { via: 'cli' } });
      // Loaded here only: oidc-provider is heavy, and no other user command needs it.
      const [{ createProvider }, { signOutEverywhere }, { providerPages }, { translator }, { gatehouseInteractionPolicy }] = await Promise.all([
        import('../../oidc/provider.ts'),
        import('../../flows/sign-out.ts'),
        import('../../http/provider-pages.ts'),
        import('../../i18n/index.ts'),
        import('../../flows/login-check.ts'),
      ]);
      // A provider that never listens: it signs the back-channel logout tokens the user's apps are sent.
      const provider = createProvider(deps, await ensureSigningKey(deps.db, deps.box, deps.clock), { pages: providerPages(translator()), interactionPolicy: gatehouseInteractionPolicy(deps) });
      await signOutEverywhere(deps, provider, u.id, { reason: 'user_disabled' });
      return { ...u, disabled: 1 };
    });
    out.result(publicUser(user), `Disabled ${user.email} and signed them out everywhere.`);
  },
});

export const userCommands: AnyCommand[] = [create, list, disable];
