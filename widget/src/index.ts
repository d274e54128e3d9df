/**
 * Entry point: reads its <script> tag, fetches each form's config, applies targeting,
 * triggers and frequency, and exposes window.PhoneCapture (the only global).
 * Nothing is built for a form until it shows; no layout is read at load.
 */
import { landing, remember, source } from "./attribution";
import { watchExit } from "./exit";
import { allowed, mark, pageView, returning, submittedRecently, type State } from "./frequency";
import { fires, scrollPct, targets } from "./rules";
import type { FormConfig, Triggers } from "./types";
import { h, on } from "./dom";
import { mount, shadow, type Ctx, type View } from "./ui";

interface Form {
  id_: string;
  cfg_?: FormConfig;
  ctx_?: Ctx;
  q_: (() => void)[]; // opens asked for before the config arrived
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
const form = (id: string) => (forms[id] ||= { id_: id, q_: [] });

/** Wait for the form's triggers, then fire once and remove the listeners. */
function arm(t: Triggers, fire: () => void) {
  const met = new Set<string>();
  const offs: (() => void)[] = [];
  let fired = 0;
  let idle: any;
  const hit = (k: string) => !fired && met.add(k) && fires(t, met) && ((fired = 1), offs.forEach((f) => f()), fire());
  const later = (k: string, s: number) => {
    const i = setTimeout(hit, s * 1e3, k);
    offs.push(() => clearTimeout(i));
    return i;
  };
  if (t.page_views! <= st.s!.n) met.add("page_views");
  if (fires(t, met)) return fire();
  if (t.delay_s != null) later("delay_s", t.delay_s);
  if (t.scroll_pct != null) on(W, "scroll", () => scrollPct(scrollY, innerHeight, d.documentElement.scrollHeight) < t.scroll_pct! || hit("scroll_pct"), offs);
  if (t.inactivity_s != null) {
    const reset = () => (clearTimeout(idle), (idle = later("inactivity_s", t.inactivity_s!)));
    reset();
    on(d, "pointermove keydown scroll touchstart", reset, offs);
  }
  if (t.click_selector) on(d, "click", (e) => e.target.closest?.(t.click_selector) && hit("click_selector"), offs);
}

function open(f: Form, user: boolean) {
  const cfg = f.cfg_!;
  if (!cfg) return f.q_.push(() => open(f, user));
  if (cfg.mode == "inline") return d.querySelector(`[data-phonecapture-inline="${f.id_}"]`)?.scrollIntoView();
  if (!f.ctx_!.emit_("show", f.id_)) return;
  API.close();
  const host = h("div", { "data-phonecapture": f.id_ });
  d.body.append(host);
  mark(st, f.id_, now());
  save();
  views = views.filter((v) => v.host_.isConnected).concat(mount(cfg, f.ctx_!, cfg.mode == "slidein" ? "s" : "o", host, user));
}

function start(f: Form) {
  const cfg = f.cfg_!;
  const id = f.id_;
  const fq = cfg.frequency || {};
  const mobile = matchMedia("(max-width:767px),(pointer:coarse)").matches;
  // Automatic shows take the page view's single interruption slot (open(f, false)).
  const go = () => !busy && allowed(st, id, fq, now()) && open(f, !++busy);
  if (cfg.mode == "inline") {
    // The placeholder reserves the form's height in the page's CSS (min-height): no layout read here.
    d.querySelectorAll<HTMLElement>(`[data-phonecapture-inline="${id}"]`).forEach((el) => el.shadowRoot || mount(cfg, f.ctx_!, "i", el));
  } else if (targets(cfg.targeting || {}, { path: location.pathname + location.search, mobile, returning: returning(st), source: st.l || {} })) {
    if (cfg.mode == "button") {
      if (!submittedRecently(st, id, fq, now()))
        arm(cfg.triggers || {}, () => {
          const host = h("div", { "data-phonecapture-teaser": id });
          d.body.append(host);
          shadow(host, f.ctx_!.nonce_, cfg).append(h("div", { class: "w" }, h("button", {
            class: "b t", type: "button", "aria-haspopup": "dialog", onclick: () => open(f, true),
          }, cfg.texts.teaser)));
          f.ctx_!.beacon_(id, "impression");
        });
    } else if (allowed(st, id, fq, now())) {
      if (cfg.mode == "exit_intent") watchExit(cfg.exit_intent || {}, mobile, go);
      else arm(cfg.triggers || {}, go);
    }
  }
  f.q_.splice(0).forEach((fn) => fn());
}

function boot(s: HTMLScriptElement | null) {
  const api = s?.dataset.api || s?.src.replace(/\/widget\.js\b.*/, "/api/v1");
  const ctx: Ctx = {
    api_: api!,
    nonce_: s?.nonce || "",
    emit_: (type, form) => bus.dispatchEvent(new CustomEvent(type, { detail: { form }, cancelable: true })),
    beacon_: (form, event) => navigator.sendBeacon?.(api + "/events", JSON.stringify({ form_id: form, event, page_url: location.href, source: st.l })),
    source_: () => source(st, location.href),
    mark_: (id, k) => (mark(st, id, now(), k), save()),
    // A refused origin (PHONECAPTURE_ALLOWED_ORIGINS) or a wrong form id is said in the console;
    // the page's no-JS form, if any, stays.
    load_: (id) =>
      fetch(api + "/forms/" + id + "?lang=" + d.documentElement.lang, { credentials: "omit" })
        .then(async (r) => (r.ok ? r.json() : Promise.reject((await r.json()).message)))
        .catch((e) => console.error(`PhoneCapture: form "${id}" from ${api}: ${e && e.message || e || "failed"} (is this origin in PHONECAPTURE_ALLOWED_ORIGINS?)`)),
  };
  s?.dataset.form?.split(",").forEach(async (id) => {
    const f = form(id.trim());
    if (f.ctx_) return;
    f.ctx_ = ctx;
    if ((f.cfg_ = await ctx.load_(f.id_))) start(f);
  });
}

const API = {
  /** Open a form now (the visitor asked: no triggers, targeting or frequency). */
  open: (id: string) => (open(form(id), true), API),
  /** Close the open popup or slide-in. */
  close: () => (views.forEach((v) => v.close_()), API),
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
  on(d, "click", (e) => {
    const id = e.target.closest?.("[data-phonecapture-open]")?.getAttribute("data-phonecapture-open");
    if (id) e.preventDefault(), API.open(id);
  });
}
W.PhoneCapture._b(d.currentScript);
