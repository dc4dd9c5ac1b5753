import type { AnyCommand } from '../../command.ts';
import { enroll } from './enroll.ts';
import { list } from './list.ts';
import { pending } from './pending.ts';
import { approve, deny } from './answer.ts';
import { codes } from './codes.ts';
import { remove } from './remove.ts';

/** The terminal authenticator (issue 8): the headless Gatehouse Authenticator. */
export const authenticatorCommands: AnyCommand[] = [enroll, list, pending, approve, deny, codes, remove];
