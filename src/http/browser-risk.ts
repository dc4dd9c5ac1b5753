import type { FastifyRequest } from 'fastify';
import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import { isKnownDevice } from '../store/known-devices.ts';
import { presentedDevice } from '../security/device-cookie.ts';
import { clientAddress } from '../security/client-address.ts';
import { emailCodeNeeded } from '../policy/first-enrollment.ts';

const cookiesOf = (req: FastifyRequest) => req.cookies as Record<string, string | undefined>;

/** Whether this browser completed a two-factor sign-in of the person since their last cut-off (read when asked). */
export function browserKnown(deps: Deps, user: User, req: FastifyRequest): () => Promise<boolean> {
  return () => isKnownDevice(deps.db, user.id, presentedDevice(deps, user.id, cookiesOf(req)), user.sessions_valid_after);
}

/** The wizard's email check for this request (src/policy/first-enrollment.ts): the risk's reasons, or undefined. */
export function emailCheckFor(deps: Deps, user: User, req: FastifyRequest, methodCount: () => Promise<number>): () => Promise<string[] | undefined> {
  return async () => emailCodeNeeded(deps, { user, methodCount: await methodCount(), ip: clientAddress(req.ip, undefined, []), deviceKnown: browserKnown(deps, user, req) });
}
