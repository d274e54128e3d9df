/**
 * Texts arrive resolved in the form's config (built-in ru/en defaults and the form's
 * overrides, flask_phonecapture/texts.py), so the bundle carries no text table.
 */
export type Texts = Record<string, string>;

/** Fill "{s}" placeholders. */
export const fill = (s: string, v: Record<string, unknown>): string => s.replace(/\{(\w+)\}/g, (_, k) => String(v[k] ?? ""));
