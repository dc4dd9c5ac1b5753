/** One challenge of a `WWW-Authenticate` header: the shape oauth4webapi's `WWWAuthenticateChallenge` has. */
export interface ParsedChallenge {
  /** Lowercased, as schemes are case-insensitive. */
  scheme: string;
  /** auth-params by lowercased name, quoted strings unescaped. */
  parameters: Record<string, string | undefined>;
  token68?: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const PARAM_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*=\s*["!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const QUOTED = /^"((?:[^"\\]|\\[\s\S])*)"/;

/**
 * The challenges of a `WWW-Authenticate` header value (RFC 9110 §11.6.1): comma-separated, each a
 * scheme followed by a token68 or by `name=value` pairs (token or quoted-string). Returns an
 * empty list for a header it cannot read, as a client should not act on half of one.
 *
 * @example parseChallenges('DPoP algs="ES256", Bearer error="invalid_token"') // two challenges
 */
export function parseChallenges(header: string): ParsedChallenge[] {
  const out: ParsedChallenge[] = [];
  let rest = header.trim();
  while ((rest = rest.replace(/^[\s,]+/, ''))) {
    const scheme = TOKEN.exec(rest)?.[0];
    if (!scheme) return [];
    rest = rest.slice(scheme.length);
    if (rest && !/^[\s,]/.test(rest)) return [];
    const challenge: ParsedChallenge = { scheme: scheme.toLowerCase(), parameters: {} };
    out.push(challenge);
    rest = rest.trimStart();
    // A token68 (`Negotiate abc==`) unless what follows reads as `name=value`.
    const t68 = /^([A-Za-z0-9\-._~+/]+=*)\s*(?:,|$)/.exec(rest);
    if (t68 && !PARAM_START.test(rest)) {
      challenge.token68 = t68[1];
      rest = rest.slice(t68[0].length).trimStart();
      continue;
    }
    // auth-params until one that is not `name=`: that token is the next challenge's scheme.
    for (;;) {
      rest = rest.replace(/^[\s,]+/, '');
      const param = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*/.exec(rest);
      if (!param) break;
      rest = rest.slice(param[0].length);
      const q = QUOTED.exec(rest);
      const value = q ? q[1]!.replace(/\\([\s\S])/g, '$1') : TOKEN.exec(rest)?.[0];
      if (value === undefined) return [];
      challenge.parameters[param[1]!.toLowerCase()] = value;
      rest = rest.slice(q ? q[0].length : value.length).trimStart();
      if (rest && !rest.startsWith(',')) return [];
    }
  }
  return out;
}
