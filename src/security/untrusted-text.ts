/**
 * Text that people (or their browsers) give Gatehouse and that Gatehouse later shows to someone:
 * method names, device labels, display names. Whoever can add a method writes its name into the
 * owner's security mail, so such text is data: one line, no invisible characters, bounded, and
 * quoted wherever it leaves (SECURITY.md, "Names a person gives … are data").
 */

/** Longest method name kept, in characters (code points). @default 64 */
export const METHOD_NAME_MAX = 64;
/** Longest remembered-device label kept (a User-Agent, shown shortened). @default 200 */
export const DEVICE_LABEL_MAX = 200;
/** Longest display name kept. @default 200 */
export const DISPLAY_NAME_MAX = 200;

// Removed outright: format characters (Cf — bidi embeddings, overrides and isolates, LRM/RLM/ALM,
// zero-width space and joiners, BOM, soft hyphen, tag characters), lone surrogates, and the other
// default-ignorable code points that render as nothing (Hangul fillers, variation selectors beyond
// the text/emoji pair FE0E/FE0F).
const INVISIBLE = /[\p{Cf}\p{Cs}]|(?![\uFE0E\uFE0F])\p{Default_Ignorable_Code_Point}/gu;
// Turned into one space: control characters (C0, DEL, C1 — newlines and tabs included), line and
// paragraph separators, and every kind of space.
const BREAKS = /[\p{Cc}\p{Zl}\p{Zp}\p{Zs}\s]+/gu;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * One line of plain text: NFC, invisible characters removed, controls and whitespace runs collapsed
 * to a single space, trimmed, and cut to at most `max` code points at a grapheme boundary (an
 * accent or an emoji is never split). Idempotent. Anything that is not a string gives `''`.
 *
 * @example cleanText('Phone\n\nAdded by IT\u202E', 64) // 'Phone Added by IT'
 */
export function cleanText(input: unknown, max: number): string {
  if (typeof input !== 'string') return '';
  const text = input.normalize('NFC').replace(INVISIBLE, '').replace(BREAKS, ' ').trim();
  if ([...text].length <= max) return text;
  let out = '';
  let length = 0;
  for (const { segment } of graphemes.segment(text)) {
    const n = [...segment].length;
    if (length + n > max) break;
    out += segment;
    length += n;
  }
  return out.trimEnd();
}

/** A 2FA method's name as stored and shown; `''` when nothing printable was given. */
export function methodName(input: unknown): string {
  return cleanText(input, METHOD_NAME_MAX);
}

/** A remembered device's label, from the browser's User-Agent header. */
export function deviceLabel(userAgent: unknown): string {
  return cleanText(userAgent, DEVICE_LABEL_MAX) || 'Unknown browser';
}

/** A person's display name (shown in account settings and given to apps as the `name` claim). */
export function displayName(input: unknown): string {
  return cleanText(input, DISPLAY_NAME_MAX);
}

/**
 * A given name as data inside our own sentences: between typographic quotes, with the quotation
 * marks it contains made plain, so it cannot close the quote and continue as our words.
 *
 * @example quoted('Work "key"') // '“Work \'key\'”'
 */
export function quoted(name: string): string {
  return `“${name.replace(/["“”„‟]/g, "'")}”`;
}
