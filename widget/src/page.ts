/**
 * Page-level state shared by every form on the page: the frequency state (one localStorage
 * entry, read only when a form's config has arrived), the event bus behind PhoneCapture.on,
 * beacons and config fetches.
 */
import { landing, remember, source as src } from "./attribution";
import { mark as put, pageView, type State } from "./frequency";
import { on } from "./dom";
import type { FormConfig } from "./types";

/** One form id on this page: where its API is, its config once fetched. (No CSP nonce is kept:
 * the stylesheet is a constructed one and the widget adds no script or style element.) */
export interface Form {
  id_: string;
  api_?: string;
  cfg_?: FormConfig | void;
  q_: (() => void)[]; // opens asked for before the config arrived
  o_?: (() => void)[]; // stops its automatic rules (listeners, timers, teaser) for the next page
}

export const st: State = {};
export const now = Date.now;
export const bus = new EventTarget();
const loc = location;

export const save = () => {
  try {
    localStorage.phonecapture = JSON.stringify(st);
  } catch {
    /* storage off: frequency lasts this page view */
  }
};

let ready = 0;
/** Count this page view and its landing source, once, the first time a form needs the state. */
export const init = () => {
  if (ready++) return;
  try {
    // `|| 0`: a first visit has no entry, and a throw costs the page a millisecond.
    Object.assign(st, JSON.parse(localStorage.phonecapture || 0));
  } catch {
    /* no storage */
  }
  count();
};

/** Count a page view (a load, or a single-page app's route change) and its landing source. */
export const count = () => {
  const t = now();
  remember(st, landing(loc.href, document.referrer), pageView(st, t), t, loc.href);
  save();
};

/** Dispatch a cancelable event to PhoneCapture.on listeners; false if cancelled. */
export const emit = (type: string, f: Form) => bus.dispatchEvent(new CustomEvent(type, { detail: { form: f.id_ }, cancelable: true }));

/** Count impression | open | close | submit_error (aggregated by the server). */
export const beacon = (f: Form, event: string) =>
  navigator.sendBeacon?.(f.api_ + "/events", JSON.stringify({ form_id: f.id_, event, page_url: loc.href, source: st.l }));

/** Count the impression of something shown at load without interrupting (an inline form, a
 * teaser button) once, when the visitor leaves or hides the page: nothing on the load path. */
export const later = (f: Form) => {
  let seen = 0;
  on(document, "visibilitychange", () => document.hidden && !seen++ && beacon(f, "impression"));
};

/** Frequency: "c" closed, "s" submitted, nothing: shown this session. */
export const mark = (f: Form, k?: "c" | "s") => (put(st, f.id_, now(), k), save());

/** The `source` of a submission (this visit's landing, the first touch, the page). */
export const source = () => src(st, loc.href);

/** A form's public config (with a fresh submit token). A refused origin (the server's message
 * names PHONECAPTURE_ALLOWED_ORIGINS) or an unknown form is said in the console; the page's
 * no-JS form, if any, stays. */
export const load = (f: Form): Promise<FormConfig | void> =>
  fetch(f.api_ + "/forms/" + f.id_ + "?lang=" + document.documentElement.lang, { credentials: "omit" })
    .then(async (r) => (r.ok ? r.json() : Promise.reject((await r.json()).message)))
    .catch((e) => console.error("PhoneCapture:", f.id_, f.api_, (e && e.message) || e));
