import { en as enCore } from './en.ts';
import { enMfa } from './en-mfa.ts';
import { enRisk } from './en-risk.ts';
import { enPolicy } from './en-policy.ts';

/** The English catalog: core pages, two-step verification, adaptive risk reasons, policy reasons (one file per area). */
export const en = { ...enCore, ...enMfa, ...enRisk, ...enPolicy };

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

const catalogs: Record<string, Messages> = { en };

/** A translator for one language, falling back to English. `{name}` placeholders are replaced from `vars`. */
export function translator(lang = 'en') {
  const catalog = catalogs[lang] ?? en;
  return (key: MessageKey, vars: Record<string, string | number> = {}): string =>
    (catalog[key] ?? en[key]).replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

export type T = ReturnType<typeof translator>;
