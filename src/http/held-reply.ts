import type { FastifyReply, FastifyRequest } from 'fastify';

/** Requests a page's script sent and waits on (a push page's held Continue): see {@link goTo}. */
const held = new WeakSet<FastifyRequest>();

/**
 * Marks a form post that a page's script sent with `fetch` and holds open until its answer: where a
 * form would be redirected, the script is told where to go ({@link goTo}). A script cannot read a
 * redirect's target (`redirect: 'manual'` gives an opaque response), and following it inside `fetch`
 * would carry the authorization response to the app's origin outside a navigation.
 */
export function holdReply(req: FastifyRequest): void {
  held.add(req);
}

export function isHeld(req: FastifyRequest): boolean {
  return held.has(req);
}

/** The redirect after a form (303), or, for a held request, `200 {"next": url}`, which its script opens. */
export function goTo(req: FastifyRequest, reply: FastifyReply, url: string): FastifyReply {
  return held.has(req) ? reply.code(200).send({ next: url }) : reply.redirect(url, 303);
}
