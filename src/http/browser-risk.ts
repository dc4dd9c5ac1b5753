import type { FastifyRequest } from 'fastify';
import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import type { PresentedBrowser } from '../policy/risk/types.ts';
import { presentedDevice } from '../security/device-cookie.ts';
import { clientAddress } from '../security/client-address.ts';
import { emailCodeNeeded } from '../policy/first-enrollment.ts';

const cookiesOf = (req: FastifyRequest) => req.cookies as Record<string, string | undefined>;

/** This browser as the risk reads it: its device cookie for the person (known or not is read with the risk's facts). */
export function browserKnown(deps: Deps, user: User, req: FastifyRequest): PresentedBrowser {
  return { nonce: presentedDevice(deps, user.id, cookiesOf(req)), validAfter: user.sessions_valid_after };
}

/** The wizard's email check for this request (src/policy/first-enrollment.ts): the risk's reasons, or undefined. */
export function emailCheckFor(deps: Deps, user: User, req: FastifyRequest, methodCount: () => Promise<number>): () => Promise<string[] | undefined> {
  return async () => emailCodeNeeded(deps, { user, methodCount: await methodCount(), ip: clientAddress(req.ip, undefined, []), deviceKnown: browserKnown(deps, user, req) });
}
