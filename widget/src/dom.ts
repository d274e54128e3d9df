/** DOM helpers shared by every module that touches the page (nothing is read at import:
 * the pure modules' unit tests import exit.ts, which imports this, without a DOM). */

/** Add listeners (capture phase) for space-separated event types; `offs` collects removers. */
export const on = (t: EventTarget, types: string, fn: (e: any) => unknown, offs?: (() => void)[]) =>
  types.split(" ").forEach((ty) => {
    t.addEventListener(ty, fn, true);
    offs?.push(() => t.removeEventListener(ty, fn, true));
  });

export type Kid = Node | string | false | null | undefined | 0;
/** Create an element; `on…` keys add listeners, other keys are attributes; text stays text. */
export function h(tag: string, attrs: Record<string, any> = {}, ...kids: Kid[]): HTMLElement {
  const el = document.createElement(tag);
  for (const k in attrs) {
    const v = attrs[k];
    if (k[0] == "o" && k[1] == "n") el.addEventListener(k.slice(2), v);
    else if (v != null && v !== false) el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...(kids.filter(Boolean) as (Node | string)[]));
  return el;
}
