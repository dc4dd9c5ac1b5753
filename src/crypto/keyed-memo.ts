/**
 * A bounded memo of a keyed MAC (or any pure function of a string, such as a key's import): the same input gives the same
 * output, so a value computed a moment ago is handed back instead of computed again. Each MAC costs
 * an OpenSSL context (7 µs here with warm caches, 27–30 µs after an idle millisecond), and a sign-in
 * verifies the same cookies and form tokens on each of its pages: 29 MACs for a push sign-in, of
 * which most repeat. Bounded, least recently used first out, so that the memo's memory stays fixed
 * whatever the number of sign-ins (and adds nothing per pending request).
 *
 * Only outputs are kept, never a verdict: a verification recomputes the expected value through the
 * memo and compares it in constant time as before. An `undefined` result is not kept.
 */
export function keyedMemo<V = string>(mac: (input: string) => V, max = 256): (input: string) => V {
  const memo = new Map<string, V>();
  return (input) => {
    let out = memo.get(input);
    if (out !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as recently used.
      memo.delete(input);
      memo.set(input, out);
      return out;
    }
    out = mac(input);
    if (out === undefined) return out;
    memo.set(input, out);
    if (memo.size > max) memo.delete(memo.keys().next().value!);
    return out;
  };
}
