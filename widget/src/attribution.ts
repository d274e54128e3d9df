/** Source capture: UTM tags, click ids and referrer; first touch kept 30 days. Pure. */
import type { State } from "./frequency";
import type { Source } from "./types";

/** Tags on a landing URL, plus the referrer when it is another site. */
export function landing(url: string, referrer: string): Source {
  const u = new URL(url);
  const out: Source = {};
  for (const [k, v] of u.searchParams) if (v && /^(utm_(source|medium|campaign|term|content)|[gy]clid|fbclid)$/.test(k)) out[k] ||= v.slice(0, 200);
  if (referrer && !referrer.startsWith(u.origin + "/")) out.referrer = referrer.slice(0, 500);
  return out;
}

/**
 * Record a page view's landing source. A tagged or referred landing (or a new session)
 * replaces the session's source; the first touch is kept for 30 days.
 */
export function remember(st: State, src: Source, newSession: boolean, now: number, page: string): void {
  if (newSession || Object.keys(src).length) st.l = src;
  if (!(now - st.a?.at < 2592e6)) st.a = { ...src, page_url: page.slice(0, 1000), at: now };
}

/** The `source` object of a submission. */
export function source(st: State, page: string): Record<string, unknown> {
  const { at, ...ft } = st.a || {};
  return { page_url: page.slice(0, 1000), ...st.l, first_touch: { ...ft, at: new Date(at).toISOString() } };
}
