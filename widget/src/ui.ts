/**
 * One form on screen: phone step → SMS-code step → success, in an open shadow root.
 * kind "o" modal (popup, exit intent, teaser, API), "s" slide-in (no focus move, no trap),
 * "i" inline (part of the page). Texts come resolved in the config (cfg.texts).
 */
import { CSS } from "./css";
import { h, on, type Kid } from "./dom";
import { fill } from "./i18n";
import { complete, e164, show } from "./masks";
import { phoneField } from "./phone";
import type { FormConfig } from "./types";

export type Kind = "o" | "s" | "i";

/** What a mounted form needs from the page-level code (index.ts). */
export interface Ctx {
  api_: string;
  nonce_: string;
  /** Dispatch a cancelable event to PhoneCapture.on listeners; false if cancelled. */
  emit_(type: string, form: string): boolean;
  /** Count impression | open | close | submit_error. */
  beacon_(form: string, event: string): void;
  source_(): object;
  /** Frequency: "c" closed, "s" submitted. */
  mark_(form: string, k: "c" | "s"): void;
  /** Fetch a form's public config (a fresh submit token); undefined if that failed. */
  load_(form: string): Promise<FormConfig | undefined>;
}

let sheet: CSSStyleSheet;
/** Open shadow root with the stylesheet (a constructed sheet is not subject to CSP; parsed
 * once for every form), and the form's theme as custom properties on the host (CSSOM, also
 * allowed under a strict CSP). The page's font inherits unless the theme names one. */
export function shadow(host: HTMLElement, nonce: string, cfg: FormConfig): ShadowRoot {
  const r = host.attachShadow({ mode: "open" });
  const th: Record<string, string> = cfg.theme || {};
  try {
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
    r.adoptedStyleSheets = [sheet];
  } catch {
    r.append(h("style", { nonce }, CSS));
  }
  for (const k in th) host.style.setProperty("--" + k[0], th[k]); // brand → --b, radius → --r, font → --f
  return r;
}

async function post(url: string, body: object): Promise<[number, any, number]> {
  try {
    const r = await fetch(url, {
      method: "POST", credentials: "omit", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
    });
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

export function mount(cfg: FormConfig, ctx: Ctx, kind: Kind, host: HTMLElement, user?: boolean): View {
  const T = cfg.texts;
  const id = cfg.id;
  const sr = shadow(host, ctx.nonce_, cfg);
  const t0 = Date.now();
  const modal = kind == "o";
  const inline = kind == "i";
  let before = document.activeElement as HTMLElement; // deep: a teaser's button sits in a shadow root
  while (before?.shadowRoot?.activeElement) before = before.shadowRoot.activeElement as HTMLElement;
  const inert: HTMLElement[] = [];
  let done = 0; // a number was submitted
  let opened = 0;
  let timer: any;
  let otp: AbortController | undefined;

  const err = (i: string) => h("p", { class: "e", id: i, "aria-live": "polite" });
  const title = h("h2", { id: "t" }, T.title);
  const step = h("div", { class: "k" });
  const box = h(inline ? "section" : "div", {
    class: "d", role: !inline && "dialog", "aria-modal": modal && "true", "aria-labelledby": "t", tabindex: -1,
  }, !inline && h("button", { class: "x", type: "button", "aria-label": T.close, onclick: () => close() }, "×"), title,
    // Slide-in on a small screen: title and this button until the visitor asks for the form.
    kind == "s" && h("button", { class: "b z", type: "button", onclick: () => (wrap.classList.add("v"), tel.focus()) }, T.submit),
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
  const btn = (cls: string, text: string, onclick?: () => unknown) => h("button", { class: cls, type: onclick ? "button" : "submit", onclick }, text) as HTMLButtonElement;

  // -- step 1: the number ----------------------------------------------------
  const nm = cfg.fields?.name; // absent: no name field
  const name = nm && nm != "off" && (h("input", { id: "n", class: "q", autocomplete: "name", maxlength: 100, "aria-describedby": "ne", required: nm == "required" }) as HTMLInputElement);
  const tel = h("input", { id: "p", class: "q", type: "tel", autocomplete: "tel", inputmode: "tel", required: true, "aria-describedby": "pu pe" }) as HTMLInputElement;
  const cs = cfg.countries;
  const sel = cs[1] ? (h("select", { class: "q", "aria-label": T.country }, ...cs.map((c) => h("option", { value: c.r }, c.n + " +" + c.c))) as HTMLSelectElement) : null;
  const phone = phoneField(tel, sel, cs, cs.find((c) => c.r == cfg.default_region) || cs[0]);
  const field = (...kids: Kid[]) => h("div", { class: "f" }, ...kids);
  const boxes = (cfg.consents || []).map((c, i) => {
    const url = /^(https?:|\/)/.test(c.policy_url || "") && c.policy_url;
    const cb = h("input", { type: "checkbox", id: "c" + i, required: c.required, "aria-describedby": "e" + i }) as HTMLInputElement;
    const e = err("e" + i);
    return [c, cb, e, field(h("label", { class: "c" }, cb, h("span", {}, c.text, url && " ", url && h("a", { href: url, target: "_blank", rel: "noopener" }, T.policy))), e)] as const;
  });
  const hp = h("input", { class: "h", name: "website", tabindex: -1, "aria-hidden": "true", autocomplete: "off" }) as HTMLInputElement;
  const send = btn("b", T.submit);
  const nameErr = err("ne");
  const telErr = err("pe");
  const formErr = err("fe");
  const f1 = h("form", { novalidate: true, onsubmit: submit, onfocusin: () => opened || ctx.beacon_(id, (opened = 1) && "open") },
    T.offer && h("p", {}, T.offer),
    name && field(h("label", { for: "n" }, T.name_label + (nm == "optional" ? " (" + T.optional + ")" : "")), name, nameErr),
    field(h("label", { for: "p" }, T.phone_label), h("div", { class: "r" }, sel, tel), h("p", { class: "m", id: "pu" }, T.purpose), telErr),
    ...boxes.map((b) => b[3]), hp, send, T.promise && h("p", { class: "m" }, T.promise), formErr);

  async function submit(ev: Event) {
    ev.preventDefault();
    for (const n of Array.from(f1.querySelectorAll(".e,[aria-invalid]"))) n.className == "e" ? (n.textContent = "") : n.removeAttribute("aria-invalid");
    const p = phone();
    const consent: Record<string, boolean> = {};
    let bads: HTMLElement[] = [];
    if (name && name.required && !name.value.trim()) bads.push(bad(name, nameErr, T.error_required));
    if (!complete(p.c, p.d) || p.u) bads.push(bad(tel, telErr, p.d ? T.error_phone : T.error_required));
    for (const [c, cb, e] of boxes) {
      consent[c.purpose] = cb.checked;
      if (c.required && !cb.checked) bads.push(bad(cb, e, T.error_consent));
    }
    if (bads[0]) return bads[0].focus();
    if (!ctx.emit_("submit", id)) return;
    send.disabled = true;
    await new Promise((r) => setTimeout(r, (cfg.min_fill_ms || 0) - Date.now() + t0));
    let r: [number, any, number];
    // A page left open longer than the token lives: fetch a fresh one and send again, once.
    for (let k = 0; ; k++) {
      r = await post(ctx.api_ + "/submissions", {
        form_id: id, token: cfg.token, phone: e164(p), name: name ? name.value.trim() : null, country: p.c.r,
        consents: consent, source: ctx.source_(), hp: hp.value, elapsed_ms: Date.now() - t0,
      });
      if (k || r[0] != 400 || !/_token$/.test(r[1].error)) break;
      cfg.token = (await ctx.load_(id))?.token!;
    }
    const [s, j, retry] = r;
    send.disabled = false;
    if (s == 201) {
      done = 1;
      ctx.mark_(id, "s");
      return code(j.id, j.resend_after_s);
    }
    ctx.beacon_(id, "submit_error");
    for (const k in (s == 422 && j.fields) || {}) {
      const b = boxes.find(([c]) => "consents." + c.purpose == k);
      bads.push(k == "phone" ? bad(tel, telErr, T.error_phone) : b ? bad(b[1], b[2], T.error_consent) : bad(null, formErr, j.fields[k][0]));
    }
    bads = bads.filter(Boolean);
    if (bads[0]) return bads[0].focus();
    bad(null, formErr, s == 429 ? fill(T.error_rate, { s: retry }) : j.message || T.error_network);
  }

  // -- step 2: the SMS code --------------------------------------------------
  function code(sid: string, wait: number) {
    const url = ctx.api_ + "/submissions/" + sid;
    const input = h("input", { id: "k", class: "q", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 8, "aria-describedby": "ke" }) as HTMLInputElement;
    const e = err("ke");
    const again = btn("l", "", resend);
    const count = (s: number) => {
      clearInterval(timer);
      const tick = () => {
        again.disabled = s > 0;
        again.textContent = T.resend + (s > 0 ? " (" + s + ")" : "");
        s-- > 0 || clearInterval(timer);
      };
      tick();
      timer = setInterval(tick, 1e3);
    };
    async function resend() {
      e.textContent = "";
      const [s, j, retry] = await post(url + "/resend", {});
      if (s == 202) count(j.resend_after_s);
      else bad(null, e, s == 429 ? fill(T.error_rate, { s: retry }) : s == 410 ? T.error_gone : T.error_network), count(retry);
    }
    async function verify(ev: Event) {
      ev.preventDefault();
      const v = input.value.replace(/\D/g, "");
      const [s, j] = v ? await post(url + "/verify", { code: v }) : [];
      if (s == 200) return success();
      bad(input, e, !v ? T.error_required : j.error == "wrong_code" ? fill(T.error_code, { n: j.attempts_left }) : s == 410 ? T.error_gone : j.message || T.error_network).focus();
      input.select();
    }
    const f2 = h("form", { novalidate: true, onsubmit: verify },
      h("p", {}, fill(T.code_sent, { phone: show(phone()) })),
      field(h("label", { for: "k" }, T.code_label), input, e),
      btn("b", T.verify), again,
      btn("l", T.wrong_number, () => (stop(), (title.textContent = T.title), go(f1, tel)))) as HTMLFormElement;
    count(wait || 60);
    title.textContent = T.code_title;
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
    if (!ctx.emit_("verified", id)) return close(1);
    title.textContent = T.success_title;
    const msg = h("p", { role: "status", tabindex: -1 }, T.success_text);
    go(h("div", {}, msg, modal && btn("b", T.close, close)), msg);
  }

  // -- open / close ----------------------------------------------------------
  function close(force?: unknown) {
    if (!host.isConnected || (force !== 1 && !ctx.emit_("close", id))) return;
    stop();
    inert.forEach((el) => (el.inert = false)); // exactly those we made inert
    host.remove();
    done || ctx.mark_(id, "c");
    ctx.beacon_(id, "close");
    if (modal) before?.focus();
  }
  on(sr, "keydown", (k: KeyboardEvent) => {
    if (k.key == "Escape" && !inline) close();
    if (k.key == "Tab" && modal) {
      // Trap: wrap around at both ends.
      const f = Array.from(box.querySelectorAll<HTMLElement>("button,input,select,a")).filter((el) => el.tabIndex >= 0 && !(el as HTMLInputElement).disabled);
      const [a, b] = k.shiftKey ? [f[0], f[f.length - 1]] : [f[f.length - 1], f[0]];
      if (sr.activeElement == a || !box.contains(sr.activeElement)) k.preventDefault(), b.focus();
    }
  });
  go(f1);
  if (modal) {
    wrap.onmousedown = (e) => e.target == wrap && close();
    for (const el of Array.from(document.body.children) as HTMLElement[])
      if (el != host && !el.inert) inert.push(el), (el.inert = true);
    (user ? tel : box).focus();
  }
  ctx.beacon_(id, "impression");
  return { host_: host, close_: close };
}
