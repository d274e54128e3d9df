/** Display rules: targeting and trigger combination. Pure functions, no DOM. */
import type { Source, Targeting, Triggers } from "./types";

/** Glob: "*" matches anything; case-insensitive; whole string. A final "/*" is optional
 * ("/product/*" matches "/product" too). */
export const glob = (pat: string, s: string): boolean =>
  RegExp("^" + pat.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\/\*$/, "(/*)?").replace(/\*/g, ".*") + "$", "i").test(s);

/** As a visitor reads it: "/каталог" (the browser gives "/%D0%BA…"), no trailing slash. */
const plain = (s: string) => {
  try {
    s = decodeURI(s);
  } catch {
    /* a malformed escape: compare as is */
  }
  return s.replace(/(.)\/(\?|$)/, "$1$2");
};

export interface Visit {
  path: string; // pathname + search
  mobile: boolean;
  returning: boolean;
  source: Source; // this session's utm_* and referrer
}

/** Does this page view match the form's targeting? */
export function targets(t: Targeting, v: Visit): boolean {
  const full = plain(v.path);
  const path = full.split("?")[0];
  const any = (ps?: string[]) => ps?.some((p) => glob(plain(p), p.includes("?") ? full : path));
  const dev = t.d, who = t.v;
  if ((t.i?.length && !any(t.i)) || any(t.x)) return false;
  if ((dev == "mobile" && !v.mobile) || (dev == "desktop" && v.mobile)) return false;
  if ((who == "new" && v.returning) || (who == "returning" && !v.returning)) return false;
  for (const k in t.u) if (!glob(t.u[k], v.source[k] || "")) return false;
  return !t.r || glob(t.r, v.source.referrer || "");
}

/** The automatic conditions a form waits for (null ones are off): d delay, s scroll, i
 * inactivity, v page views. (A click on click_selector is the visitor asking: no condition.) */
export const conditions = (t: Triggers): string[] => [..."dsiv"].filter((k) => (t as any)[k] != null);

/** Should the form show, given the conditions met so far? No conditions: at once. */
export function fires(t: Triggers, met: Set<string>): boolean {
  const want = conditions(t);
  return !want.length || want[t.m == "all" ? "every" : "some"]((k) => met.has(k));
}

/** Scroll depth in percent (bottom of the viewport). */
export const scrollPct = (y: number, vh: number, h: number): number => (h <= vh ? 100 : ((y + vh) / h) * 100);
