/**
 * Entry point: reads its <script> tag, fetches each form's config, applies targeting,
 * triggers and frequency, and exposes window.PhoneCapture (the only global).
 * Nothing is built for a form until it shows; no layout and no storage are read at load.
 */
import { watchExit } from "./exit";
import { allowed, returning, submittedRecently } from "./frequency";
import { conditions, fires, scrollPct, targets } from "./rules";
import type { Triggers } from "./types";
import { h, on } from "./dom";

const d = document;
import { bus, count, emit, init, later, load, mark, now, st, type Form } from "./page";
import { mount, shadow } from "./ui";

const W = window as any;
const forms: Record<string, Form> = {};
let view: ((how?: number) => unknown) | undefined; // close() of the open popup or slide-in
let busy = 0; // one interruption per page view, across all forms
let api: string; // the first tag's API: forms opened by id that no data-form lists use it
const seen = new WeakSet<Element>(); // inline placeholders already watched

const form = (id: string) => (forms[id] ||= { id_: id, q_: [] });
const inline = (id: string) => d.querySelectorAll<HTMLElement>(`[data-phonecapture-inline="${id}"]`);
const flush = (f: Form) => f.q_.splice(0).forEach((fn) => fn());
// A floating button would sit on the slide-in's corner: hidden meanwhile. (Not under a popup:
// the popup's backdrop covers it, and focus goes back to it on close.)
const teasers = (hide: boolean) => d.querySelectorAll<HTMLElement>("[data-phonecapture-teaser]").forEach((t) => (t.hidden = hide));

/** Wait for the form's automatic triggers, then fire once and remove the listeners (or when
 * `stops` are run: the next page of a single-page app). */
function arm(t: Triggers, fire: () => void, stops: (() => void)[]) {
  const met = new Set<string>();
  const offs: (() => void)[] = [];
  stops.push(() => offs.forEach((f) => f()));
  let idle: any, delay: any, deep: any;
  const hit = (k: string) => met.add(k) && fires(t, met) && (offs.forEach((f) => f()), (offs.length = 0), fire());
  const later = (k: keyof Triggers) => {
    clearTimeout(idle);
    idle = setTimeout(hit, (t[k] as number) * 1e3, k);
  };
  if (t.v! <= st.s!.n) met.add("v");
  if (fires(t, met)) return fire();
  offs.push(() => clearTimeout(idle), () => clearTimeout(delay), () => clearTimeout(deep));
  if (t.d != null) delay = setTimeout(hit, t.d * 1e3, "d");
  if (t.s != null) {
    const deepEnough = () => scrollPct(scrollY, innerHeight, d.documentElement.scrollHeight) < t.s! || hit("s");
    on(W, "scroll", deepEnough, offs);
    // A page too short to scroll fires no scroll event, and has been seen whole: look once
    // it has settled (a second in: no layout read on the load path).
    deep = setTimeout(deepEnough, 1e3);
  }
  if (t.i != null) later("i"), on(d, "pointermove keydown scroll touchstart", () => later("i"), offs);
}

function open(f: Form, user: boolean) {
  const cfg = f.cfg_;
  if (!cfg) {
    // Not on any data-form list: fetch it now (an unknown id is said in the console).
    if (!f.api_ && api) (f.api_ = api), load(f).then((c) => (f.cfg_ = c) && (init(), flush(f)));
    return f.q_.push(() => open(f, user));
  }
  if (cfg.mode == "inline") return inline(f.id_)[0]?.scrollIntoView();
  // The form on screen makes way, without counting as the visitor's "close"; a page that
  // cancels that close keeps it, and nothing stacks.
  if (view?.(2) === 0 || !emit("show", f)) return;
  busy = 1; // a form on screen, the visitor's own included: no automatic one replaces it
  const host = h("div", { "data-phonecapture": f.id_ });
  d.body.append(host);
  mark(f);
  cfg.mode == "slidein" && teasers(true);
  view = mount(f, cfg.mode == "slidein" ? "s" : "o", host, user, () => ((view = undefined), teasers(false)));
}

function start(f: Form) {
  const stops: (() => void)[] = (f.o_ = []);
  const cfg = f.cfg_!;
  const id = f.id_;
  const mode = cfg.mode;
  const fq = cfg.frequency || {};
  const t = cfg.triggers || {};
  // A touch-first device (phones, tablets); a narrow desktop window stays a desktop.
  const mobile = matchMedia("(pointer:coarse)").matches;
  // Automatic shows take the page view's single interruption slot (open(f, false)).
  const go = () => !busy && allowed(st, id, fq, now()) && open(f, false);
  if (mode == "inline") {
    // The placeholder reserves the form's height in the page's CSS (min-height): no layout read
    // here, and a form far below the fold is built only when the visitor scrolls near it.
    const io = new IntersectionObserver((es) => es.forEach((e) => e.isIntersecting && (io.unobserve(e.target), mount(f, "i", e.target as HTMLElement))), { rootMargin: "100%" });
    inline(id).forEach((el) => seen.has(el) || (seen.add(el), io.observe(el)));
  } else if (targets(cfg.targeting || {}, { path: location.pathname + location.search, mobile, returning: returning(st), source: st.l || {} })) {
    // A click on the marketer's element is the visitor asking: it opens the form every time,
    // whatever the frequency rules and the page view's interruption (a link stays put).
    if (t.c) on(d, "click", (e) => e.target.closest?.(t.c) && (e.preventDefault(), open(f, true)), stops);
    if (mode == "exit_intent") stops.push(watchExit(cfg.exit_intent || {}, mobile, go));
    else if (mode != "button") (conditions(t)[0] || !t.c) && arm(t, go, stops);
    else if (!submittedRecently(st, id, fq, now()))
      arm(t, () => {
        const host = h("div", { "data-phonecapture-teaser": id });
        d.body.append(host);
        stops.push(() => host.remove());
        shadow(host, f).append(h("button", {
          class: "b t", type: "button", "aria-haspopup": "dialog", onclick: () => open(f, true),
        }, cfg.texts.te));
        later(f);
        view && teasers(true);
      }, stops);
  }
  flush(f);
}

/** A single-page app showed another page: count it, give it its own interruption (unless a form
 * is open), and apply each form's targeting and triggers to the new URL. */
function page() {
  if (!st.s) return; // no form has started yet: the first start counts this page
  count();
  busy = view ? 1 : 0;
  for (const f of Object.values(forms)) if (f.o_) f.o_.forEach((s) => s()), start(f); // start() makes a new o_
}

function boot(s: HTMLScriptElement | null) {
  if (!s) return;
  const base = s.dataset.api || s.src.replace(/\/widget\.js\b.*/, "/api/v1");
  api ||= base;
  // Configs load at once; forms start in data-form order, so the first listed that is due
  // takes the page view's one interruption, whichever config arrived first.
  let turn: Promise<unknown> = Promise.resolve();
  s.dataset.form?.split(",").forEach((id) => {
    const f = form(id.trim());
    if (f.api_) return;
    f.api_ = base;
    const cfg = load(f);
    turn = turn.then(async () => (f.cfg_ = await cfg) && (init(), start(f)));
  });
}

const API = {
  /** Open a form now (the visitor asked: no triggers, targeting or frequency). */
  open: (id: string) => (open(form(id), true), API),
  /** Close the open popup or slide-in. */
  close: () => (view?.(), API),
  /** Listen to show | submit | verified | close: a CustomEvent with detail.form; preventDefault() cancels. */
  on: (type: string, fn: (e: CustomEvent) => void) => (bus.addEventListener(type, fn as EventListener), API),
  off: (type: string, fn: (e: CustomEvent) => void) => (bus.removeEventListener(type, fn as EventListener), API),
  /** A single-page app changed its route (done by itself where the Navigation API exists). */
  page: () => (page(), API),
  /** Run fn(PhoneCapture): with `(window.PhoneCapture ||= []).push(fn)` a page script needs no
   * wait for this async script (the functions queued before it loaded run once it has). */
  push: (fn: (api: any) => void): any => (fn(API), API),
  _b: boot,
};

const queued = W.PhoneCapture;
if (!queued?._b) {
  W.PhoneCapture = API;
  W.navigation?.addEventListener("currententrychange", (e: any) => e.navigationType != "replace" && page());
  on(d, "click", (e) => {
    const f = forms[e.target.closest?.("[data-phonecapture-open]")?.getAttribute("data-phonecapture-open")];
    // A form whose config is here opens; otherwise the link does what it says (its href: the
    // no-JS form page), rather than waiting on a config that may never come.
    if (f?.cfg_) e.preventDefault(), open(f, true);
  });
}
W.PhoneCapture._b(d.currentScript);
if (!queued?._b) queued?.forEach?.(API.push);
