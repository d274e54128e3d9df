/** The phone <input> and country <select>: thin DOM glue over the pure masks module. */
import { on } from "./dom";
import { ascii, digits, exit, intl, main, parse, rx, show, type Parsed } from "./masks";
import type { Country } from "./types";

const nd = (s: string) => digits(s).length;

export function phoneField(input: HTMLInputElement, select: HTMLSelectElement | null, cs: Country[], start: Country) {
  let p: Parsed = { c: start, d: "" };
  let np = ""; // the national prefix typed first ("8" in RU), taken as a prefix, not a digit
  const head = () => "+" + p.c.c + " ";
  const country = (c: Country) => {
    p = { c, d: p.d };
    if (select) select.value = c.r;
    const ph = show({ c, d: c.e });
    if (input.placeholder != ph) input.placeholder = ph; // a server-drawn form has it already: no restyle
  };

  /** Re-read the raw value and show it formatted, the caret after the same digit. */
  const apply = (raw: string, caret: number, kind = ""): void => {
    let r = parse(raw, p.c, cs);
    if (kind[0] == "d" && !r.d && !r.u) {
      // Deleting into "+7 ": leave it be, so the code itself can be erased; an orphan "(" goes.
      p.d = np = "";
      if (raw.startsWith(head())) input.value = head();
      return;
    }
    if (kind == "insertText" && !r.u && r.c.c == p.c.c) {
      // "8" after "+7 " is the prefix Russians type, not a digit of the number; it keeps the
      // country picked (in KZ too, although RU owns numbers that start with 8).
      if (r.d && !p.d && !np && rx(p.c.p, true).test(r.d)) (np = r.d), (r = { c: p.c, d: "" });
      // "00…" or "8 10…" typed after "+7 " dials out: what follows is another country's code.
      const t = np + r.d;
      const k = exit(p.c, t);
      if (k) return (np = ""), apply("+" + t.slice(k), 99);
    }
    if (r.c != p.c) country(r.c);
    p = r;
    const out = show(r);
    let want = nd(raw.slice(0, caret)) - nd(raw) + nd(out);
    let i = 0;
    while (i < out.length && want > 0) if (/\d/.test(out[i++])) want--;
    // Never before "+7 " (or, for a code not yet known, before "+").
    i = Math.max(i, r.u ? 1 : head().length);
    input.value = out;
    if ((input.getRootNode() as ShadowRoot).activeElement == input) input.setSelectionRange(i, i);
  };

  on(input, "beforeinput", (e: InputEvent) => {
    const t = e.inputType;
    const v = input.value;
    const s = input.selectionStart!;
    const end = input.selectionEnd!;
    const back = t == "deleteContentBackward";
    // An IME's text is read once, at compositionend.
    if (e.isComposing) return;
    if (back || t == "deleteContentForward") {
      // Deleting a bracket, space or dash (next to the caret, or only separators selected)
      // deletes the nearest digit instead: the separator alone would come straight back.
      if (/\d/.test(v.slice(s, end))) return;
      let i = back ? s - 1 : end;
      const from = i;
      while (v[i] && !/\d/.test(v[i])) i += back ? -1 : 1;
      if ((i != from || s != end) && i >= head().length && v[i] && v.startsWith(head())) {
        e.preventDefault();
        apply(v.slice(0, i) + v.slice(i + 1), i, t);
      }
      return;
    }
    if (!t.startsWith("insert")) return;
    const data = ascii(e.data ?? e.dataTransfer?.getData("text") ?? "");
    const w = main(data);
    if (intl(w, p.c) || (/Paste|Drop|Repl/.test(t) && nd(w) > 6)) {
      // A whole number pasted, dropped or autofilled replaces what is there; so does any text
      // written internationally ("+49 30…", "0049…"), even a short one or one an IME commits.
      e.preventDefault();
      apply(w, w.length);
    } else if (data == "+" && !p.d) {
      // "+" starts another country's code: "+7 " becomes "+".
      e.preventDefault();
      apply("+", 1);
    } else if (!/[\d+]/.test(w) || w != data) {
      // No digit (a letter, "x", "#"), or an extension after them: only what comes before goes
      // in, so a marker never cuts the number it lands in.
      e.preventDefault();
      if (/\d/.test(w)) apply(v.slice(0, s) + w + v.slice(end), s + w.length, t);
    } else if (s != end) {
      // Typing over the whole number starts a new one ("8" is then the trunk prefix again).
      if (s <= head().length && !/\d/.test(v.slice(end))) p.d = np = "";
    } else if (s < head().length && v.startsWith(head()) && /^\d+$/.test(w)) {
      // Digits typed in front of "+7 " (a click there) belong to the number.
      e.preventDefault();
      apply(head() + w + v.slice(head().length), head().length + w.length, t);
    }
  });
  // Never reformat mid-composition: the IME would commit at its old place and double digits.
  on(input, "input", (e: InputEvent) => e.isComposing || apply(input.value, input.selectionStart!, e.inputType || ""));
  on(input, "compositionend", (e: CompositionEvent) => {
    const w = main(ascii(e.data));
    if (intl(w, p.c)) apply(w, w.length);
    else apply(input.value, input.selectionStart!, "insertText");
  });
  on(input, "focus", () => input.value || ((input.value = head()), input.setSelectionRange(9, 9)));
  on(input, "blur", () => p.d || p.u || (input.value = ""));
  on(select || input, "change", () => {
    if (select && select.value != p.c.r) {
      np = "";
      country(cs.find((c) => c.r == select.value)!);
      if (input.value) input.value = show(p);
    }
  });
  country(start);
  // A server-drawn form may have been typed in before the widget arrived: read what is there.
  if (input.value) apply(input.value, input.value.length);
  return () => p;
}
