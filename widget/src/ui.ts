/**
 * One form on screen: phone step → SMS-code step → success, in an open shadow root.
 * kind "o" modal (popup, exit intent, teaser, API), "s" slide-in (no focus move, no trap),
 * "i" inline (part of the page). Texts come resolved in the config (cfg.texts, short keys:
 * docs/widget.md).
 */
import { CSS } from "./css";
import { h, on, type Kid } from "./dom";
import { fill } from "./i18n";
import { complete, e164, show } from "./masks";
import { beacon, emit, load, mark, now, source, type Form } from "./page";
import { phoneField } from "./phone";

export type Kind = "o" | "s" | "i";

let sheet: CSSStyleSheet;
/** Open shadow root with the stylesheet (a constructed sheet is not subject to CSP; parsed
 * once for every form), and the form's theme as custom properties on the host (CSSOM, also
 * allowed under a strict CSP). The page's font inherits unless the theme names one. */
export function shadow(host: HTMLElement, f: Form): ShadowRoot {
  const r = host.attachShadow({ mode: "open" });
  const th: Record<string, string> = f.cfg_!.theme || {};
  try {
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
    r.adoptedStyleSheets = [sheet];
  } catch {
    r.append(h("style", { nonce: f.nonce_ }, CSS));
  }
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

export interface View {
  host_: HTMLElement;
  close_(): void;
}

export function mount(f: Form, kind: Kind, host: HTMLElement, user?: boolean): View {
  const cfg = f.cfg_!;
  const T = cfg.texts;
  const sr = shadow(host, f);
  const t0 = now();
  const modal = kind == "o";
  const inline = kind == "i";
  let before: any = document.activeElement; // deep: a teaser's button sits in a shadow root
  while (before?.shadowRoot?.activeElement) before = before.shadowRoot.activeElement;
  const inert: HTMLElement[] = [];
  let done = 0; // a number was submitted
  let opened = 0;
  let timer: any;
  let otp: AbortController | undefined;

  const btn = (cls: string, text: string, onclick?: () => unknown) =>
    h("button", { class: cls, type: onclick ? "button" : "submit", onclick }, text) as HTMLButtonElement;
  const err = (i: string) => h("p", { class: "e", id: i, "aria-live": "polite" });
  const field = (...kids: Kid[]) => h("div", { class: "f" }, ...kids);
  const label = (id: string, text: string) => h("label", { for: id }, text);
  const title = h("h2", { id: "t" }, T.t);
  const step = h("div", { class: "k" });
  const box = h(inline ? "section" : "div", {
    class: "d", role: !inline && "dialog", "aria-modal": modal && "true", "aria-labelledby": "t", tabindex: -1,
  }, !inline && h("button", { class: "x", type: "button", "aria-label": T.x, onclick: () => close() }, "×"), title,
    // Slide-in on a small screen: title and this button until the visitor asks for the form.
    kind == "s" && btn("b z", T.s, () => (wrap.classList.add("v"), tel.focus())),
    step);
  const wrap = h("div", { class: "w " + kind }, box);
  sr.append(wrap);

  /** Show an error on a field (announced: the error is aria-live); returns the field. */
  const bad = (el: HTMLElement | null, e: HTMLElement, msg: string) => {
    e.textContent = msg;
    el?.setAttribute("aria-invalid", "true");
    return el!;
  };
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

  // -- step 1: the number ----------------------------------------------------
  const nm = cfg.fields?.name; // sent only when the form has a name field
  const name = nm && (h("input", { id: "n", class: "q", autocomplete: "name", maxlength: 100, "aria-describedby": "ne", required: nm == "required" }) as HTMLInputElement);
  const tel = h("input", { id: "p", class: "q", type: "tel", autocomplete: "tel", inputmode: "tel", required: true, "aria-describedby": "pu pe" }) as HTMLInputElement;
  const cs = cfg.countries;
  // The calling code first: a narrow select cuts the name, never the code.
  const sel = cs[1] ? (h("select", { class: "q", "aria-label": T.co }, ...cs.map((c) => h("option", { value: c.r }, "+" + c.c + " " + c.n))) as HTMLSelectElement) : null;
  const phone = phoneField(tel, sel, cs, cs.find((c) => c.r == cfg.default_region) || cs[0]);
  const boxes = (cfg.consents || []).map((c, i) => {
    const cb = h("input", { type: "checkbox", id: "c" + i, required: c.r, "aria-describedby": "e" + i }) as HTMLInputElement;
    const e = err("e" + i);
    return [c, cb, e, field(h("label", { class: "c" }, cb, h("span", {}, c.t, c.u && " ", c.u && h("a", { href: c.u, target: "_blank", rel: "noopener" }, T.po))), e)] as const;
  });
  const hp = h("input", { class: "h", name: "website", tabindex: -1, "aria-hidden": "true", autocomplete: "off" }) as HTMLInputElement;
  const send = btn("b", T.s);
  const nameErr = err("ne");
  const telErr = err("pe");
  const formErr = err("fe");
  const f1 = h("form", { novalidate: true, onsubmit: submit, onfocusin: () => opened++ || beacon(f, "open") },
    T.o && h("p", {}, T.o),
    name && field(label("n", T.nl + (nm == "optional" ? " (" + T.op + ")" : "")), name, nameErr),
    field(label("p", T.pl), h("div", { class: "r" }, sel, tel), h("p", { class: "m", id: "pu" }, T.pu), telErr),
    ...boxes.map((b) => b[3]), hp, send, T.pr && h("p", { class: "m" }, T.pr), formErr);

  async function submit(ev: Event) {
    ev.preventDefault();
    for (const n of f1.querySelectorAll(".e,[aria-invalid]")) n.className == "e" ? (n.textContent = "") : n.removeAttribute("aria-invalid");
    const p = phone();
    const consents: Record<string, boolean> = {};
    let bads: HTMLElement[] = [];
    if (name && name.required && !name.value.trim()) bads.push(bad(name, nameErr, T.er));
    if (!complete(p.c, p.d) || p.u) bads.push(bad(tel, telErr, p.d ? T.ep : T.er));
    for (const [c, cb, e] of boxes) {
      consents[c.p] = cb.checked;
      if (c.r && !cb.checked) bads.push(bad(cb, e, T.ec));
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
        consents, source: source(), hp: hp.value, elapsed_ms: now() - t0,
      });
      if (k || r[0] != 400 || !/_token$/.test(r[1].error)) break;
      cfg.token = (await load(f))?.token!;
    }
    const [s, j, retry] = r;
    send.disabled = false;
    if (s == 201) {
      done = 1;
      mark(f, "s");
      return code(j.id, j.resend_after_s);
    }
    beacon(f, "submit_error");
    for (const k in (s == 422 && j.fields) || {}) {
      const b = boxes.find(([c]) => "consents." + c.p == k);
      bads.push(k == "phone" ? bad(tel, telErr, T.ep) : b ? bad(b[1], b[2], T.ec) : bad(null, formErr, j.fields[k][0]));
    }
    bads = bads.filter(Boolean);
    if (bads[0]) return bads[0].focus();
    bad(null, formErr, why(s, j, retry));
  }

  // -- step 2: the SMS code --------------------------------------------------
  function code(sid: string, wait: number) {
    const url = f.api_ + "/submissions/" + sid;
    const input = h("input", { id: "k", class: "q", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 8, "aria-describedby": "ke" }) as HTMLInputElement;
    const e = err("ke");
    const again = btn("l", "", async () => {
      e.textContent = "";
      const [s, j, retry] = await post(url + "/resend");
      s == 202 ? count(j.resend_after_s) : (bad(null, e, why(s, j, retry)), count(retry));
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
        const v = input.value.replace(/\D/g, "");
        const [s, j, retry] = v ? await post(url + "/verify", { code: v }) : [];
        if (s == 200) return success();
        bad(input, e, !v ? T.er : j.error == "wrong_code" ? fill(T.ek, { n: j.attempts_left }) : why(s!, j, retry!)).focus();
        input.select();
      },
    },
      h("p", {}, fill(T.cs, { phone: show(phone()) })),
      field(label("k", T.cl), input, e),
      btn("b", T.v), again,
      btn("l", T.w, () => (stop(), (title.textContent = T.t), go(f1, tel)))) as HTMLFormElement;
    count(wait || 60);
    title.textContent = T.ct;
    go(f2, input);
    if ("OTPCredential" in window) {
      otp = new AbortController();
      navigator.credentials.get({ otp: { transport: ["sms"] }, signal: otp.signal } as any).then((o: any) => {
        input.value = o.code;
        f2.requestSubmit();
      }, stop);
    }
  }

  // -- step 3: done ----------------------------------------------------------
  function success() {
    stop();
    if (!emit("verified", f)) return close(1);
    title.textContent = T.st;
    const msg = h("p", { role: "status", tabindex: -1 }, T.sx);
    go(h("div", {}, msg, modal && btn("b", T.x, close)), msg);
  }

  // -- open / close ----------------------------------------------------------
  function close(force?: unknown) {
    if (!host.isConnected || (force !== 1 && !emit("close", f))) return;
    stop();
    inert.forEach((el) => (el.inert = false)); // exactly those we made inert
    host.remove();
    done || mark(f, "c");
    beacon(f, "close");
    if (modal) before?.focus();
  }
  on(sr, "keydown", (k: KeyboardEvent) => {
    if (k.key == "Escape" && !inline) close();
    if (k.key == "Tab" && modal) {
      // Trap: wrap around at both ends.
      const all = [...box.querySelectorAll<HTMLInputElement>("button,input,select,a")].filter((el) => el.tabIndex >= 0 && !el.disabled);
      const [a, b] = k.shiftKey ? [all[0], all[all.length - 1]] : [all[all.length - 1], all[0]];
      if (sr.activeElement == a || !box.contains(sr.activeElement)) k.preventDefault(), b.focus();
    }
  });
  go(f1);
  if (modal) {
    wrap.onmousedown = (e) => e.target == wrap && close();
    for (const el of document.body.children as any as HTMLElement[])
      if (el != host && !el.inert) inert.push(el), (el.inert = true);
    (user ? tel : box).focus();
  }
  beacon(f, "impression");
  return { host_: host, close_: close };
}
