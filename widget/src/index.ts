/**
 * Entry point: reads its <script> tag, fetches each form's config, applies targeting,
 * triggers and frequency, and exposes window.PhoneCapture (the only global).
 * Nothing is built for a form until it shows; no layout and no storage are read at load.
 */
import { watchExit } from "./exit";
import { allowed, returning, submittedRecently } from "./frequency";
import { fires, scrollPct, targets } from "./rules";
import type { Triggers } from "./types";
import { h, on } from "./dom";

const d = document;
import { bus, emit, init, later, load, mark, now, st, type Form } from "./page";
import { mount, shadow } from "./ui";

const W = window as any;
const forms: Record<string, Form> = {};
let view: (() => void) | undefined; // the open popup or slide-in
let busy = 0; // one interruption per page view, across all forms

const form = (id: string) => (forms[id] ||= { id_: id, q_: [] });
const inline = (id: string) => d.querySelectorAll<HTMLElement>(`[data-phonecapture-inline="${id}"]`);

/** Wait for the form's triggers, then fire once and remove the listeners. */
function arm(t: Triggers, fire: () => void) {
  const met = new Set<string>();
  const offs: (() => void)[] = [];
  let idle: any, delay: any;
  const hit = (k: string) => met.add(k) && fires(t, met) && (offs.forEach((f) => f()), (offs.length = 0), fire());
  const later = (k: keyof Triggers) => {
    clearTimeout(idle);
    idle = setTimeout(hit, (t[k] as number) * 1e3, k);
  };
  if (t.v! <= st.s!.n) met.add("v");
  if (fires(t, met)) return fire();
  offs.push(() => clearTimeout(idle), () => clearTimeout(delay));
  if (t.d != null) delay = setTimeout(hit, t.d * 1e3, "d");
  if (t.s != null) on(W, "scroll", () => scrollPct(scrollY, innerHeight, d.documentElement.scrollHeight) < t.s! || hit("s"), offs);
  if (t.i != null) later("i"), on(d, "pointermove keydown scroll touchstart", () => later("i"), offs);
  if (t.c) on(d, "click", (e) => e.target.closest?.(t.c) && hit("c"), offs);
}

function open(f: Form, user: boolean) {
  const cfg = f.cfg_;
  if (!cfg) return f.q_.push(() => open(f, user));
  if (cfg.mode == "inline") return inline(f.id_)[0]?.scrollIntoView();
  if (!emit("show", f)) return;
  busy = 1; // a form on screen, the visitor's own included: no automatic one replaces it
  API.close();
  const host = h("div", { "data-phonecapture": f.id_ });
  d.body.append(host);
  mark(f);
  view = mount(f, cfg.mode == "slidein" ? "s" : "o", host, user);
}

function start(f: Form) {
  const cfg = f.cfg_!;
  const id = f.id_;
  const mode = cfg.mode;
  const fq = cfg.frequency || {};
  const mobile = matchMedia("(max-width:767px),(pointer:coarse)").matches;
  // Automatic shows take the page view's single interruption slot (open(f, false)).
  const go = () => !busy && allowed(st, id, fq, now()) && open(f, false);
  if (mode == "inline") {
    // The placeholder reserves the form's height in the page's CSS (min-height): no layout read
    // here, and a form far below the fold is built only when the visitor scrolls near it.
    const io = new IntersectionObserver((es) => es.forEach((e) => e.isIntersecting && (io.unobserve(e.target), mount(f, "i", e.target as HTMLElement))), { rootMargin: "100%" });
    inline(id).forEach((el) => io.observe(el));
  } else if (targets(cfg.targeting || {}, { path: location.pathname + location.search, mobile, returning: returning(st), source: st.l || {} })) {
    if (mode == "exit_intent") watchExit(cfg.exit_intent || {}, mobile, go);
    else if (mode != "button") arm(cfg.triggers || {}, go);
    else if (!submittedRecently(st, id, fq, now()))
      arm(cfg.triggers || {}, () => {
        const host = h("div", { "data-phonecapture-teaser": id });
        d.body.append(host);
        shadow(host, f).append(h("button", {
          class: "b t", type: "button", "aria-haspopup": "dialog", onclick: () => open(f, true),
        }, cfg.texts.te));
        later(f);
      });
  }
  f.q_.splice(0).forEach((fn) => fn());
}

function boot(s: HTMLScriptElement | null) {
  s?.dataset.form?.split(",").forEach(async (id) => {
    const f = form(id.trim());
    if (f.api_) return;
    f.api_ = s.dataset.api || s.src.replace(/\/widget\.js\b.*/, "/api/v1");
    if ((f.cfg_ = await load(f))) init(), start(f);
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
  _b: boot,
};

if (!W.PhoneCapture) {
  W.PhoneCapture = API;
  on(d, "click", (e) => {
    const f = forms[e.target.closest?.("[data-phonecapture-open]")?.getAttribute("data-phonecapture-open")];
    // A form whose config is here opens; otherwise the link does what it says (its href: the
    // no-JS form page), rather than waiting on a config that may never come.
    if (f?.cfg_) e.preventDefault(), open(f, true);
  });
}
W.PhoneCapture._b(d.currentScript);
