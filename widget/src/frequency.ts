/**
 * Frequency state: who was asked when, kept in one localStorage entry (no cookies).
 * Pure functions on a plain object; the caller loads and saves it.
 */
import type { Frequency } from "./types";

export const DAY = 864e5;
export const SESSION_MS = 18e5; // 30 idle minutes end a session

export interface State {
  v?: number; // visitor first seen
  s?: { i: number; t: number; n: number; f: string[] }; // session: start, last seen, page views, forms shown
  f?: Record<string, { c?: number; s?: number }>; // per form: closed at, submitted at
  a?: Record<string, any>; // first touch
  l?: Record<string, string>; // this session's landing source
}

/** Count a page view; a new session starts after 30 idle minutes. Returns "new session". */
export function pageView(st: State, now: number): boolean {
  st.v ||= now;
  let s = st.s;
  const fresh = !s || now - s.t > SESSION_MS;
  if (fresh) s = st.s = { i: now, t: now, n: 0, f: [] };
  s!.t = now;
  s!.n++;
  return fresh;
}

/** First seen before this session. */
export const returning = (st: State): boolean => st.v! < st.s!.i;

/** Days since the form was submitted is under the limit (default 365). */
export const submittedRecently = (st: State, id: string, fq: Frequency, now: number): boolean =>
  now - (st.f?.[id]?.s ?? -Infinity) < (fq.s ?? 365) * DAY;

/** May this form interrupt now? */
export function allowed(st: State, id: string, fq: Frequency, now: number): boolean {
  const c = st.f?.[id]?.c ?? -Infinity;
  return !submittedRecently(st, id, fq, now) && now - c >= (fq.c ?? 7) * DAY && !(fq.o && st.s!.f.includes(id));
}

/** Record "closed" (c), "submitted" (s) or, with k omitted, "shown this session". */
export function mark(st: State, id: string, now: number, k?: "c" | "s") {
  if (k) ((st.f ||= {})[id] ||= {})[k] = now;
  else st.s!.f.push(id);
}
