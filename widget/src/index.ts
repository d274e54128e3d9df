/**
 * Entry point: reads its <script> tag, fetches each form's config, applies targeting,
 * triggers and frequency, and exposes window.PhoneCapture (the only global).
 */
import { landing, remember, source } from "./attribution";
import { watchExit } from "./exit";
import { allowed, mark, pageView, returning, submittedRecently, type State } from "./frequency";
import { fires, scrollPct, targets } from "./rules";
import type { FormConfig, Triggers } from "./types";
import { h, lang, mount, shadow, type Ctx, type View } from "./ui";

interface Form {
  id: string;
  cfg?: FormConfig;
  ctx?: Ctx;
  q: (() => void)[]; // opens asked for before the config arrived
}

const KEY = "phonecapture";
const W = window as any;
const d = document;
const bus = new EventTarget();
const forms: Record<string, Form> = {};
let views: View[] = [];
let st: State = {};
let busy = 0; // one interruption per page view, across all forms

const now = Date.now;
const save = () => {
  try {
    localStorage.setItem(KEY, JSON.stringify(st));
  } catch {
    /* storage off: frequency lasts this page view */
  }
};
const form = (id: string) => (forms[id] ||= { id, q: [] });

/** Wait for the form's triggers, then fire once and remove the listeners. */
function arm(t: Triggers, fire: () => void) {
  const met = new Set<string>();
  const offs: (() => void)[] = [];
  const on = (target: EventTarget, types: string, fn: (e: Event) => void) =>
    types.split(" ").forEach((ty) => {
      target.addEventListener(ty, fn, true);
      offs.push(() => target.removeEventListener(ty, fn, true));
    });
  let fired = 0;
  let idle: any;
  const hit = (k: string) => !fired && met.add(k) && fires(t, met) && (fired = 1, offs.forEach((f) => f()), fire());
  const later = (k: string, s: number) => setTimeout(hit, s * 1e3, k);
  if (t.page_views! <= st.s!.n) met.add("page_views");
  if (fires(t, met)) return fire();
  if (t.delay_s != null) {
    const h = later("delay_s", t.delay_s);
    offs.push(() => clearTimeout(h));
  }
  if (t.scroll_pct != null) on(W, "scroll", () => scrollPct(scrollY, innerHeight, d.documentElement.scrollHeight) < t.scroll_pct! || hit("scroll_pct"));
  if (t.inactivity_s != null) {
    const reset = () => (clearTimeout(idle), (idle = later("inactivity_s", t.inactivity_s!)));
    reset();
    on(d, "pointermove keydown scroll touchstart", reset);
    offs.push(() => clearTimeout(idle));
  }
  if (t.click_selector) on(d, "click", (e) => (e.target as Element).closest?.(t.click_selector!) && hit("click_selector"));
}

function open(f: Form, user: boolean) {
  const cfg = f.cfg!;
  if (!cfg) return f.q.push(() => open(f, user));
  if (cfg.mode == "inline") return d.querySelector(`[data-phonecapture-inline="${f.id}"]`)?.scrollIntoView();
  if (!f.ctx!.emit("show", f.id)) return;
  API.close();
  const host = h("div", { "data-phonecapture": f.id });
  d.body.append(host);
  mark(st, f.id, now());
  save();
  views = views.filter((v) => v.host.isConnected).concat(mount(cfg, f.ctx!, cfg.mode == "slidein" ? "s" : "o", host, user));
}

function start(f: Form) {
  const cfg = f.cfg!;
  const id = f.id;
  const fq = cfg.frequency || {};
  const mobile = matchMedia("(max-width:767px),(pointer:coarse)").matches;
  // Automatic shows take the page view's single interruption slot (open(f, false)).
  const go = () => !busy && allowed(st, id, fq, now()) && open(f, !++busy);
  if (cfg.mode == "inline") {
    for (const el of Array.from(d.querySelectorAll<HTMLElement>(`[data-phonecapture-inline="${id}"]`))) {
      const h0 = el.offsetHeight; // the no-JS form's height: keep it, no layout shift
      if (!el.shadowRoot) mount(cfg, f.ctx!, "i", el), (el.style.minHeight = h0 + "px");
    }
  } else if (targets(cfg.targeting || {}, { path: location.pathname + location.search, mobile, returning: returning(st), source: st.l || {} })) {
    if (cfg.mode == "button") {
      if (!submittedRecently(st, id, fq, now()))
        arm(cfg.triggers || {}, () => {
          const host = h("div", { "data-phonecapture-teaser": id });
          d.body.append(host);
          shadow(host, f.ctx!.nonce, cfg).append(h("div", { class: "w" }, h("button", {
            class: "b t", type: "button", "aria-haspopup": "dialog", onclick: () => open(f, true),
          }, lang(cfg).teaser || lang(cfg).submit)));
          f.ctx!.beacon(id, "impression");
        });
    } else if (allowed(st, id, fq, now())) {
      if (cfg.mode == "exit_intent") watchExit(cfg.exit_intent || {}, mobile, go);
      else arm(cfg.triggers || {}, go);
    }
  }
  f.q.splice(0).forEach((fn) => fn());
}

function boot(s: HTMLScriptElement | null) {
  const api = s?.dataset.api || s?.src.replace(/\/widget\.js\b.*/, "/api/v1");
  const ctx: Ctx = {
    api: api!,
    nonce: s?.nonce || "",
    emit: (type, form) => bus.dispatchEvent(new CustomEvent(type, { detail: { form }, cancelable: true })),
    beacon: (form, event) => navigator.sendBeacon?.(api + "/events", JSON.stringify({ form_id: form, event, page_url: location.href, source: st.l })),
    source: () => source(st, location.href),
    mark: (id, k) => (mark(st, id, now(), k), save()),
  };
  s?.dataset.form?.split(",").forEach(async (id) => {
    const f = form(id.trim());
    if (f.ctx) return;
    f.ctx = ctx;
    try {
      const r = await fetch(api + "/forms/" + f.id, { credentials: "omit" });
      if (r.ok) (f.cfg = await r.json()), start(f);
    } catch {
      /* offline or refused: the page's no-JS form stays */
    }
  });
}

const API = {
  /** Open a form now (the visitor asked: no triggers, targeting or frequency). */
  open: (id: string) => (open(form(id), true), API),
  /** Close the open popup or slide-in. */
  close: () => (views.forEach((v) => v.close()), API),
  /** Listen to show | submit | verified | close: a CustomEvent with detail.form; preventDefault() cancels. */
  on: (type: string, fn: (e: CustomEvent) => void) => (bus.addEventListener(type, fn as EventListener), API),
  off: (type: string, fn: (e: CustomEvent) => void) => (bus.removeEventListener(type, fn as EventListener), API),
  _b: boot,
};

if (!W.PhoneCapture) {
  try {
    st = JSON.parse(localStorage.getItem(KEY)!) || {};
  } catch {
    /* no storage */
  }
  const t = now();
  remember(st, landing(location.href, d.referrer), pageView(st, t), t, location.href);
  save();
  W.PhoneCapture = API;
  d.addEventListener("click", (e) => {
    const id = (e.target as Element).closest?.("[data-phonecapture-open]")?.getAttribute("data-phonecapture-open");
    if (id) e.preventDefault(), API.open(id);
  });
}
W.PhoneCapture._b(d.currentScript);
