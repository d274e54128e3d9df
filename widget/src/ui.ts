/**
 * One form on screen: phone step → SMS-code step → success, in an open shadow root.
 * kind "o" modal (popup, exit intent, teaser, API): a native <dialog> opened with showModal(),
 * so the browser makes the page inert, puts the form in the top layer and gives focus back on
 * close; "s" slide-in (an open, non-modal dialog, no trap: focus moves in only when the visitor
 * opened it, and goes back on close); "i" inline (a section of the page). Texts come resolved
 * in the config (cfg.texts, short keys: docs/widget.md).
 */
import { CSS } from "./css";
import { h, on, type Kid } from "./dom";
import { fill } from "./i18n";
import { complete, e164, show } from "./masks";
import { beacon, emit, later, load, mark, now, source, type Form } from "./page";
import { phoneField } from "./phone";

export type Kind = "o" | "s" | "i";

let sheet: CSSStyleSheet;
/** Open shadow root with the stylesheet (a constructed sheet is not subject to CSP; parsed
 * once for every form), and the form's theme as custom properties on the host (CSSOM, also
 * allowed under a strict CSP). */
export function shadow(host: HTMLElement, f: Form): ShadowRoot {
  const r = host.attachShadow({ mode: "open" });
  const th: Record<string, string> = f.cfg_!.theme || {};
  host.lang = f.cfg_!.lang; // read in the form's language, whatever the page's
  if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
  r.adoptedStyleSheets = [sheet];
  for (const k in th) host.style.setProperty("--" + k[0], th[k]); // brand → --b, radius → --r, font → --f
  return r;
}

/** POST JSON (sent as text/plain: a simple CORS request, no preflight; the server checks the
 * Origin on every request). [status, body, retry-after seconds]; status 0 if offline. */
async function post(url: string, body = {}): Promise<[number, any, number]> {
  try {
    const r = await fetch(url, { method: "POST", credentials: "omit", body: JSON.stringify(body) });
    const j = await r.json().catch(() => ({}));
    return [r.status, j, j.retry_after_s || +r.headers.get("retry-after")! || 60];
  } catch {
    return [0, {}, 0];
  }
}

/** Build and show the form; returns its close(). `gone`: called once it has closed. */
export function mount(f: Form, kind: Kind, host: HTMLElement, user?: boolean, gone?: () => void): (how?: number) => unknown {
  const cfg = f.cfg_!;
  const T = cfg.texts;
  const drawn = host.shadowRoot; // an inline form the server drew ({{ phonecapture_inline() }})
  const sr = drawn || shadow(host, f);
  const t0 = now();
  const back = document.activeElement;
  const modal = kind == "o";
  const inline = kind == "i";
  let done = 0; // a number was submitted
  let opened = 0;
  let timer: any;
  let otp: AbortController | undefined;
  const offs: (() => void)[] = []; // page listeners, removed on close

  const btn = (cls: string, text: string, onclick?: () => unknown) =>
    h("button", { class: cls, type: onclick ? "button" : "submit", onclick }, text) as HTMLButtonElement;
  /** A field: its parts, then its error line (id + "e", announced: aria-live). */
  const field = (id: string, ...kids: Kid[]) =>
    h("div", { class: "f" }, ...kids, h("p", { class: "e", id: id + "e", "aria-live": "polite" }));
  const input = (id: string, attrs: Record<string, unknown>) =>
    h("input", { id, class: "q", "aria-describedby": id + "e", ...attrs }) as HTMLInputElement;
  const label = (id: string, text: string) => h("label", { for: id }, text);
  const clear = () => {
    for (const n of sr.querySelectorAll<HTMLElement>(".e,[aria-invalid]")) n.className == "e" ? (n.textContent = "") : (n.ariaInvalid = null);
  };
  /** Show an error on a field (or, for a form, under it); returns the element to focus. */
  const bad = (el: HTMLElement, msg: string) => {
    sr.getElementById(el.id + "e")!.textContent = msg;
    el.ariaInvalid = "true";
    return el;
  };
  // The slide-in's whole form, with focus in the phone field (on a small screen it starts as its
  // title and a button).
  const grow = () => (box.classList.add("v"), tel.focus());
  const nm = cfg.fields?.name; // sent only when the form has a name field
  const cs = cfg.countries;
  // Step 1, built here unless the server drew it (same markup: templates/phonecapture/_inline.html),
  // labelled by its title and described by the offer and why the number is asked (read on open).
  if (!drawn)
    sr.append(h(inline ? "section" : "dialog", { class: "d " + kind, "aria-modal": modal && "true", "aria-labelledby": "t", "aria-describedby": (T.o ? "o " : "") + (T.pu && "pu"), tabindex: -1 },
      h("div", {},
        !inline && h("button", { class: "x", type: "button", "aria-label": T.x, onclick: () => close() }, "×"), h("h2", { id: "t" }, T.t),
        // Slide-in on a small screen: title and this button until the visitor asks for the form.
        kind == "s" && btn("b z", T.s, grow),
        h("div", { class: "k" }, h("form", { id: "f", novalidate: true },
          T.o && h("p", { id: "o" }, T.o),
          nm && field("n", label("n", T.nl + (nm == "optional" ? " (" + T.op + ")" : "")), input("n", { autocomplete: "name", maxlength: 100, required: nm == "required" })),
          field("p", label("p", T.pl),
            // The calling code first: a narrow select cuts the name, never the code.
            h("div", { class: "r" }, cs[1] && h("select", { class: "q", "aria-label": T.co }, ...cs.map((c) => h("option", { value: c.r }, "+" + c.c + " " + c.n))),
              input("p", { type: "tel", autocomplete: "tel", inputmode: "tel", required: true, "aria-describedby": "pu pe" })),
            h("p", { class: "m", id: "pu" }, T.pu)),
          ...(cfg.consents || []).map((c, i) => field("c" + i, h("label", { class: "c" }, input("c" + i, { type: "checkbox", class: "", "aria-required": c.r && "true" }),
            h("span", {}, c.t, c.u && " ", c.u && h("a", { href: c.u, target: "_blank", rel: "noopener", "aria-label": T.po + " " + T.nt }, T.po))))),
          h("input", { class: "h", name: "hp", tabindex: -1, "aria-hidden": "true", autocomplete: "off" }),
          btn("b", T.s), T.pr && h("p", { class: "m" }, T.pr), h("p", { class: "e", id: "fe", "aria-live": "polite" }))))));
  const $ = (id: string) => sr.getElementById(id) as HTMLInputElement;
  const box = sr.querySelector(".d") as HTMLDialogElement;
  const title = $("t");
  const step = sr.querySelector(".k")!;
  const f1 = $("f") as any as HTMLFormElement;
  const tel = $("p");
  const name = $("n") as HTMLInputElement | null;
  const send = f1.querySelector(".b") as HTMLButtonElement;
  const boxes = (cfg.consents || []).map((c, i) => [c, $("c" + i)] as const);
  const sel = sr.querySelector("select");
  // A drawn form's list may already show another country (picked before the widget arrived).
  const phone = phoneField(tel, sel, cs, cs.find((c) => c.r == (drawn && sel ? sel.value : cfg.default_region)) || cs[0]);
  on(f1, "submit", submit);
  on(f1, "focusin", () => opened++ || beacon(f, "open"));

  const go = (el: HTMLElement, focus?: HTMLElement) => {
    step.replaceChildren(el);
    focus?.focus();
  };
  const stop = () => {
    clearInterval(timer);
    otp?.abort();
  };
  const why = (s: number, j: any, retry: number) =>
    s == 429 ? fill(T.et, { s: retry }) : s == 410 ? T.eg : j.message || T.en;

  async function submit(ev: Event) {
    ev.preventDefault();
    clear();
    const p = phone();
    const consents: Record<string, boolean> = {};
    const bads: HTMLElement[] = [];
    if (name?.required && !name.value.trim()) bads.push(bad(name, T.er));
    if (!complete(p.c, p.d) || p.u) bads.push(bad(tel, p.d ? T.ep : T.er));
    for (const [c, cb] of boxes) {
      consents[c.p] = cb.checked;
      if (c.r && !cb.checked) bads.push(bad(cb, T.ec));
    }
    if (bads[0]) return bads[0].focus();
    if (!emit("submit", f)) return;
    send.disabled = true;
    await new Promise((r) => setTimeout(r, (cfg.min_fill_ms || 0) - now() + t0));
    let r: [number, any, number];
    // A page left open longer than the token lives: fetch a fresh one and send again, once.
    for (let k = 0; ; k++) {
      r = await post(f.api_ + "/submissions", {
        form_id: f.id_, token: cfg.token, phone: e164(p), name: name ? name.value.trim() : null, country: p.c.r,
        consents, source: source(), hp: (sr.querySelector(".h") as HTMLInputElement).value, elapsed_ms: now() - t0,
      });
      if (k || r[0] != 400 || !/_token$/.test(r[1].error)) break;
      cfg.token = (await load(f))?.token!;
    }
    const [s, j, retry] = r;
    send.disabled = false;
    if (s == 201) {
      done = 1;
      mark(f, "s");
      beacon(f, "submit");
      return code(j.id, j.resend_after_s);
    }
    beacon(f, "submit_error");
    for (const k in (s == 422 && j.fields) || {}) {
      const b = boxes.find(([c]) => "consents." + c.p == k);
      // The server's words (in the form's language, its overrides applied): it says why, e.g. a
      // number of a country the form does not take, where the widget only knew "check it".
      bads.push(bad(k == "phone" ? tel : b ? b[1] : f1, j.fields[k][0]));
    }
    // A disabled button loses focus: it goes back to the first error, or to the button.
    (bads[0] || (bad(f1, why(s, j, retry)), send)).focus();
  }

  // -- step 2: the SMS code --------------------------------------------------
  function code(sid: string, wait: number) {
    const url = f.api_ + "/submissions/" + sid;
    // Room for a pasted "420 - 858" or the whole SMS: the code is picked out on submit.
    const k = input("k", { inputmode: "numeric", autocomplete: "one-time-code", maxlength: 200, "aria-describedby": "ks ke" });
    const ok = btn("b", T.v);
    const again = btn("l", "", async () => {
      again.disabled = true; // a double click sends one code
      clear();
      const [s, j, retry] = await post(url + "/resend");
      s == 202 ? count(j.resend_after_s) : (bad(k, why(s, j, retry)), count(retry));
      k.focus(); // the button stays disabled through the countdown: focus where the code goes
    });
    const count = (s: number) => {
      clearInterval(timer);
      const tick = () => {
        again.disabled = s > 0;
        again.textContent = T.r + (s > 0 ? " (" + s + ")" : "");
        s-- > 0 || clearInterval(timer);
      };
      tick();
      timer = setInterval(tick, 1e3);
    };
    const f2 = h("form", {
      novalidate: true,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        if (ok.disabled) return; // one check at a time: a second Enter spends no attempt
        clear();
        let v = k.value.replace(/\P{Nd}/gu, ""); // digits of any script: the server reads them
        // More than a code (the whole SMS pasted): the run of exactly six digits in it.
        if (v[6]) v = k.value.match(/(?<!\p{Nd})\p{Nd}{6}(?!\p{Nd})/u)?.[0] || v;
        ok.disabled = true;
        const [s, j, retry] = v ? await post(url + "/verify", { code: v }) : [];
        ok.disabled = false;
        if (s == 200) return success();
        bad(k, !v ? T.er : j.error == "wrong_code" ? fill(T.ek, { n: j.attempts_left }) : why(s!, j, retry!)).focus();
        k.select();
      },
    },
      h("p", { id: "ks" }, fill(T.cs, { phone: show(phone()) })), // read with the field: where the code went
      field("k", label("k", T.cl), k),
      ok, again,
      btn("l", T.w, () => (stop(), (title.textContent = T.t), go(f1, tel)))) as HTMLFormElement;
    count(wait || 60);
    title.textContent = T.ct;
    go(f2, k);
    if ("OTPCredential" in window) {
      otp = new AbortController();
      navigator.credentials.get({ otp: { transport: ["sms"] }, signal: otp.signal } as any).then((o: any) => {
        k.value = o.code;
        f2.requestSubmit();
      }, () => 0); // no SMS read (denied, another tab, aborted): the visitor types it; the countdown runs on
    }
  }

  // -- step 3: done ----------------------------------------------------------
  function success() {
    stop();
    beacon(f, "verified");
    if (!emit("verified", f)) return close(1);
    title.textContent = T.st;
    const msg = h("p", { role: "status", tabindex: -1 }, T.sx);
    // A modal ends with one "Close" button: the × would be a second control of the same name.
    if (modal) sr.querySelector(".x")!.remove();
    go(h("div", {}, msg, modal && btn("b", T.x, close)), msg);
  }

  // -- open / close ----------------------------------------------------------
  /** how: 1 no close event (a verified listener cancelled the success step); 2 replaced by a
   * form the visitor opened (not their "close": no frequency mark). 1 once closed, 0 if a
   * close listener kept it open. */
  function close(how?: unknown) {
    if (!host.isConnected) return 1;
    if (how !== 1 && !emit("close", f)) return 0;
    stop();
    gone?.(); // first: focus may go back to a teaser that shows again
    box.close?.(); // a modal dialog gives focus back to where it was
    // A slide-in is no modal: if the visitor was in it, focus goes back to where it was before.
    if (sr.activeElement && !modal) (back as HTMLElement)?.focus();
    host.remove();
    offs.forEach((f) => f());
    done || how == 2 || mark(f, "c");
    beacon(f, "close");
    return 1;
  }
  on(sr, "keydown", (k: KeyboardEvent) => {
    if (k.key == "Escape" && !inline) k.preventDefault(), close(); // the close event may cancel it
    if (k.key == "Tab" && modal) {
      // Keep Tab inside (the native modal lets it out to the browser's own controls).
      const all = [...box.querySelectorAll<HTMLInputElement>("button,input,select,a")].filter((el) => el.tabIndex >= 0 && !el.disabled);
      const [a, b] = k.shiftKey ? [all[0], all[all.length - 1]] : [all[all.length - 1], all[0]];
      const at = sr.activeElement;
      if (at == a || at == box || !box.contains(at)) k.preventDefault(), b.focus();
    }
  });
  inline ? later(f) : beacon(f, "impression"); // a popup or slide-in is counted as it shows
  if (modal) {
    box.showModal();
    // The backdrop (an addEventListener: an on… property returning false would cancel every
    // mousedown inside, and a cancelled mousedown never focuses the field clicked).
    on(box, "mousedown", (e: MouseEvent) => e.target == box && (e.preventDefault(), close()));
    // Escape (or Android's back) while focus is outside the form: the widget's close, with its
    // event and frequency record, not the browser's bare one.
    on(box, "cancel", (e: Event) => (e.preventDefault(), close()));
    (user ? tel : box).focus();
  } else if (!inline) {
    box.open = true;
    // Not by itself (it never takes focus from the page), but when the visitor asked for it.
    user && grow();
    // A page control that takes keyboard focus behind the slide-in is scrolled clear of it
    // (WCAG 2.4.11: focus not hidden).
    on(document, "focusin", (e: FocusEvent) => {
      const el = e.target as Element;
      const r = el.getBoundingClientRect();
      const b = box.getBoundingClientRect();
      el != host && r.bottom > b.top && r.top < b.bottom && r.right > b.left && r.left < b.right && el.scrollIntoView({ block: "center" });
    }, offs);
  }
  return close;
}
