/**
 * Exit intent. The decisions are pure functions (unit-tested); `watchExit` wires them to
 * the page and removes every listener once it fires.
 */
import { on } from "./dom";
import type { ExitOpts } from "./types";

export interface Out {
  x: number; y: number; // where the pointer left (clientX/Y)
  w: number; h: number; // document client width/height (without scrollbars)
  to: boolean; // moved onto another element, not out of the page
  tag: string; // tag of the event target
  lastY: number; // previous pointer y
  top: number; // top of the focused text field (Infinity if none)
}

/**
 * Desktop: the pointer leaves the page through the top edge, moving up. Not: onto native
 * select popups, into an autofill list under a focused field, onto the scrollbars.
 */
export const leftTop = (e: Out, sens: number): boolean =>
  !e.to && !/SELECT|OPTION/.test(e.tag) && e.x >= 0 && e.x < e.w && e.y < e.h && e.y <= sens && e.y <= e.lastY && e.y < e.top;

/** Mobile: scrolled back up at least `px` within 300 ms (samples are [time, scrollY]). */
export function fastUp(samples: number[][], px: number): boolean {
  const [t, y] = samples[samples.length - 1];
  return samples.some(([ts, ys]) => t - ts <= 300 && ys - y >= px);
}

/** Wire exit intent; returns what stops it. */
export function watchExit(o: ExitOpts, mobile: boolean, fire: () => void): () => void {
  const d = document;
  const t0 = Date.now();
  const offs: (() => void)[] = [];
  let lastY = 1e9;
  let hidden = false;
  let samples: number[][] = [];
  let moved = 0; // last touchmove
  const go = () => Date.now() - t0 >= (o.a ?? 3) * 1e3 && (offs.forEach((f) => f()), fire());
  if (mobile) {
    // A flick of the finger, not a script or a link's jump ("back to top", a table of
    // contents): the scroll must follow a touch move (momentum included).
    on(d, "touchmove", () => (moved = Date.now()), offs);
    on(window, "scroll", () => {
      const now = Date.now();
      samples = samples.filter(([t]) => now - t < 1e3).concat([[now, scrollY]]);
      if (now - moved < 1e3 && fastUp(samples, o.u ?? 120)) go();
    }, offs);
    if (o.v ?? true) on(d, "visibilitychange", () => (d.hidden ? (hidden = true) : hidden && go()), offs);
  } else {
    on(d, "mousemove", (e: MouseEvent) => (lastY = e.clientY), offs);
    on(d, "mouseout", (e: MouseEvent) => {
      const a = d.activeElement!;
      const de = d.documentElement;
      const out = {
        x: e.clientX, y: e.clientY, w: de.clientWidth, h: de.clientHeight, to: !!e.relatedTarget,
        tag: (e.target as Element).tagName || "", lastY,
        top: /INPUT|TEXTAREA/.test(a.tagName) ? a.getBoundingClientRect().top : 1e9,
      };
      if (leftTop(out, o.s ?? 20)) go();
      lastY = e.clientY;
    }, offs);
  }
  return () => offs.forEach((f) => f());
}
