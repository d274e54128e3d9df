/**
 * Phone masks: parse what a visitor typed, pasted or autofilled, and format it the way
 * phonenumbers does, using only the templates the server sent (no metadata in the bundle).
 * Pure functions, no DOM.
 */
import type { Country } from "./types";

const cache: Record<string, RegExp> = {};
/** `^(?:src)` (prefix) or `^(?:src)$` (whole), compiled once. */
export const rx = (src: string, whole?: boolean): RegExp =>
  cache[src + (whole ? "$" : "")] ||= new RegExp("^(?:" + src + ")" + (whole ? "$" : ""));

export interface Parsed {
  c: Country;
  /** National significant number (digits only). */
  d: string;
  /** An international prefix was typed but no allowed country has that code. */
  u?: 1;
}

/** Could `d` be a whole number of `c` (national number pattern)? */
export const viable = (c: Country, d: string): boolean => rx(c.g, true).test(d);

/** Possible length and pattern: what the client checks before the server judges. */
export const complete = (c: Country, d: string): boolean => c.l.includes(d.length) && viable(c, d);

export const e164 = (p: Parsed): string => "+" + p.c.c + p.d;

/** The allowed country for an international number (digits after "+"), and the rest: the one
 * whose `d` the rest starts with (as phonenumbers would decide), else, while the digits do not
 * decide yet, `cur` if it has that code. A `d` matching just the code again decides by what
 * follows it ("+7 7 912…": no Kazakh number starts 79), and the repeated code goes. */
export function byCode(cs: Country[], digits: string, cur?: Country): Parsed | undefined {
  for (let k = 1; k < 4; k++) {
    const code = digits.slice(0, k);
    const same = cs.filter((c) => c.c === code);
    if (same.length) {
      const rest = digits.slice(k);
      let m: RegExpExecArray | null | "" | undefined;
      const c = same.find((c) => (m = c.d && rx(c.d).exec(rest))) || same.find((c) => c == cur) || same[0];
      return { c, d: m && m[0] == code ? rest.slice(k) : rest };
    }
  }
}

/** Strip a national prefix the way phonenumbers does: only if what remains is viable,
 * or the original is not. `i`: after a calling code, where a rule reading the whole number
 * (Guernsey's local "778112" is 1481 778112) does not apply: phonenumbers reads it with the
 * code's main region's rule, and mid-typing it would eat the number. */
function stripNP(c: Country, d: string, i?: 1): string {
  const m = c.p && rx(c.p).exec(d);
  if (m && m[0] && !(i && m[0] == d)) {
    // With a transform rule and its last group taken, the prefix is rewritten, not dropped:
    // Argentina's "0 11 15 2345-6789" is the mobile 9 11 2345-6789.
    const rest = (c.t && m[m.length - 1] != null ? c.t.replace(/\\(\d)/g, (_, i) => m[i] || "") : "") + d.slice(m[0].length);
    if (rest && (viable(c, rest) || !viable(c, d))) return rest;
  }
  return d;
}

/** Repair a national number that carries a prefix it should not ("+7 8 912…", "+7 7912…"). */
function fix(cs: Country[], c: Country, d: string): Parsed {
  if (!viable(c, d)) {
    const np = stripNP(c, d, 1);
    if (np !== d && viable(c, np)) return { c, d: np };
    if (d.startsWith(c.c)) {
      const hit = byCode(cs, d);
      if (hit && viable(hit.c, hit.d)) return hit;
    }
  }
  return { c, d };
}

/** Length of the international call prefix `d` starts with ("00", or the country's own: "810"
 * in RU), else 0. No national number starts with one. */
export function exit(c: Country, d: string): number {
  const m = c.x && rx(c.x).exec(d);
  return m && m[0] ? m[0].length : d.startsWith("00") ? 2 : 0;
}

/** Any decimal digit (full-width, Arabic-Indic…) as ASCII, "＋" as "+": phonenumbers and the
 * server read them. A digit's value is its distance from its run's first one (0-9 are
 * contiguous in every script). */
export const ascii = (s: string): string =>
  s.replace(/＋/g, "+").replace(/\p{Nd}/gu, (ch) => {
    const c = ch.codePointAt(0)!;
    let z = c;
    while (/\p{Nd}/u.test(String.fromCodePoint(z - 1))) z--;
    return "" + ((c - z) % 10);
  });

/** The ASCII digits of `s`. */
export const digits = (s: string): string => ascii(s).replace(/\D/g, "");

/** The digits after "+" or an international call prefix when `raw` (ASCII) is written
 * internationally ("+49 30…", "0049 30…", "810 49…"), else undefined. */
export function intl(raw: string, cur: Country): string | undefined {
  const d = raw.replace(/\D/g, "");
  if (raw[raw.search(/[\d+]/)] == "+") return d;
  const cut = exit(cur, d);
  if (cut && d.length > cut + 1) return d.slice(cut);
}

/** `raw` up to an extension or a second number after it ("ext. 123", "x123", "#123",
 * "доб. 45", ";ext=", ", 8 495…"): libphonenumber keeps only the main number too. */
export const main = (raw: string): string => raw.replace(/(\d.*?)(?:[x#;,~]|доб).*/is, "$1");

/**
 * Read any common way of writing a number, given the country currently selected:
 * "+7 (912) 345-67-89", "8 912 345-67-89", "89123456789", "79123456789", "810 49 30 …",
 * "0049 30 …", "+49 30 …".
 */
export function parse(raw: string, cur: Country, cs: Country[]): Parsed {
  const p = read(main(ascii(raw)), cur, cs);
  // No more digits than the longest number (E.164: 15): a tail glued on is dropped.
  p.d = p.d.slice(0, p.u ? 15 : Math.max(...p.c.l));
  return p;
}

function read(raw: string, cur: Country, cs: Country[]): Parsed {
  const i = intl(raw, cur);
  if (i != null) {
    const hit = byCode(cs, i, cur);
    return hit ? fix(cs, hit.c, hit.d) : { c: cur, d: i, u: 1 };
  }
  const digits = raw.replace(/\D/g, "");
  // No international prefix: a national number, maybe with the country code in front.
  if (digits.startsWith(cur.c)) {
    const hit = byCode(cs, digits);
    if (hit && hit.c.c === cur.c) {
      const rest = stripNP(hit.c, hit.d);
      const max = Math.max(...cur.l);
      if ((!viable(cur, digits) && viable(hit.c, rest)) || digits.length > max) return { c: hit.c, d: rest };
    }
  }
  // A region sharing the code may own this number (KZ inside +7, CA inside +1).
  return byCode(cs, cur.c + stripNP(cur, digits), cur)!;
}

/**
 * Display a (possibly incomplete) national number of country `c` in international form:
 * a whole number exactly like phonenumbers, a partial one through the as-you-type template.
 */
export function format(c: Country, d: string): string {
  const head = "+" + c.c + " ";
  for (const [pat, disp, , lead] of c.f) {
    if ((!lead.length || rx(lead[lead.length - 1]).test(d)) && rx(pat, true).test(d)) {
      return head + d.replace(rx(pat), disp);
    }
  }
  // A whole number no format fits: phonenumbers leaves it as it is (the server lists them in
  // "u"). Any other is still being typed: it keeps its template's grouping.
  if (c.u && rx(c.u, true).test(d)) return head + d;
  const i = Math.max(0, d.length - 3);
  for (const [, , tpl, lead] of c.f) {
    if (lead.length && !rx(lead[Math.min(i, lead.length - 1)]).test(d)) continue;
    if (tpl.split("#").length - 1 < d.length) continue;
    let out = "";
    let k = 0;
    for (const ch of tpl) {
      if (k >= d.length) break;
      out += ch === "#" ? d[k++] : ch;
    }
    return head + out;
  }
  return head + d;
}

/** Format a parse result; an unknown calling code stays as typed. */
export const show = (p: Parsed): string => (p.u ? "+" + p.d : format(p.c, p.d));
