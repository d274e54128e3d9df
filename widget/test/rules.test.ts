import { describe, expect, it } from "vitest";
import { landing, remember, source } from "../src/attribution";
import { fastUp, leftTop, type Out } from "../src/exit";
import { allowed, DAY, mark, pageView, returning, SESSION_MS, type State } from "../src/frequency";
import { fill } from "../src/i18n";
import { conditions, fires, glob, scrollPct, targets } from "../src/rules";

const visit = { path: "/product/kettle", mobile: false, returning: false, source: {} as Record<string, string> };

describe("targeting (one-letter keys of the public config: docs/widget.md)", () => {
  it("globs", () => {
    expect(glob("/product/*", "/product/kettle")).toBe(true);
    expect(glob("/product/*", "/products")).toBe(false);
    expect(glob("google*", "Google-Ads")).toBe(true);
  });
  it("include / exclude / device / visitor / utm / referrer", () => {
    expect(targets({}, visit)).toBe(true);
    expect(targets({ i: ["/product/*"] }, visit)).toBe(true);
    expect(targets({ i: ["/blog/*"] }, visit)).toBe(false);
    expect(targets({ x: ["/product/kettle"] }, visit)).toBe(false);
    expect(targets({ x: ["*?*nope*"] }, { ...visit, path: "/product/kettle?x=nope" })).toBe(false);
    expect(targets({ d: "mobile" }, visit)).toBe(false);
    expect(targets({ d: "desktop" }, visit)).toBe(true);
    expect(targets({ v: "returning" }, visit)).toBe(false);
    expect(targets({ v: "new" }, visit)).toBe(true);
    expect(targets({ u: { utm_source: "google*" } }, visit)).toBe(false);
    expect(targets({ u: { utm_source: "google*" } }, { ...visit, source: { utm_source: "google" } })).toBe(true);
    expect(targets({ r: "*yandex.ru*" }, { ...visit, source: { referrer: "https://yandex.ru/search" } })).toBe(true);
  });
  it("paths as the visitor reads them: Cyrillic, trailing slashes, a final /* optional", () => {
    const at = (path: string) => ({ ...visit, path });
    const cyr = at(encodeURI("/каталог/чайники"));
    expect(targets({ i: ["/каталог/*"] }, cyr)).toBe(true);
    expect(targets({ x: ["/КАТАЛОГ/*"] }, cyr)).toBe(false);
    expect(targets({ i: ["/product/*"] }, at("/product"))).toBe(true);
    expect(targets({ i: ["/product/*"] }, at("/product/"))).toBe(true);
    expect(targets({ i: ["/product/*"] }, at("/products"))).toBe(false);
    expect(targets({ i: ["/catalog/"] }, at("/catalog"))).toBe(true);
    expect(targets({ i: ["/catalog"] }, at("/catalog/?utm_source=vk"))).toBe(true);
    expect(targets({ i: ["/"] }, at("/"))).toBe(true);
    expect(targets({ i: ["/bad/*"] }, at("/bad/%E0%A4%A"))).toBe(true); // a malformed escape: as is
  });
});

describe("triggers", () => {
  it("no conditions fire at once; null ones are off", () => {
    expect(conditions({ d: null, s: 70 })).toEqual(["s"]); // delay_s off, scroll_pct on
    expect(conditions({ c: "#cta" })).toEqual([]); // a click is the visitor asking, not a condition
    expect(fires({}, new Set())).toBe(true);
  });
  it("any / all", () => {
    const t = { d: 60, s: 70 };
    expect(fires(t, new Set(["d"]))).toBe(true);
    expect(fires({ ...t, m: "all" }, new Set(["d"]))).toBe(false);
    expect(fires({ ...t, m: "all" }, new Set(["d", "s"]))).toBe(true);
  });
  it("scroll depth", () => {
    expect(scrollPct(0, 800, 800)).toBe(100);
    expect(scrollPct(600, 800, 2000)).toBe(70);
  });
});

describe("frequency", () => {
  it("sessions and returning visitors", () => {
    const st: State = {};
    expect(pageView(st, 1000)).toBe(true);
    expect(pageView(st, 2000)).toBe(false);
    expect(st.s!.n).toBe(2);
    expect(returning(st)).toBe(false);
    expect(pageView(st, 2000 + SESSION_MS + 1)).toBe(true);
    expect(returning(st)).toBe(true);
  });
  it("after close, after submit, once per session", () => {
    const st: State = {};
    pageView(st, 0);
    expect(allowed(st, "a", {}, 0)).toBe(true);
    mark(st, "a", 0, "c");
    expect(allowed(st, "a", {}, 6 * DAY)).toBe(false);
    expect(allowed(st, "a", {}, 7 * DAY)).toBe(true);
    expect(allowed(st, "a", { c: 1 }, 1 * DAY)).toBe(true);
    mark(st, "a", 0, "s");
    expect(allowed(st, "a", {}, 364 * DAY)).toBe(false);
    expect(allowed(st, "b", { o: true }, 0)).toBe(true);
    mark(st, "b", 0);
    expect(allowed(st, "b", { o: true }, 0)).toBe(false);
  });
});

describe("attribution", () => {
  it("reads tags and an external referrer", () => {
    expect(landing("https://shop.example/p?utm_source=google&gclid=x&q=1", "https://ya.ru/")).toEqual({
      utm_source: "google", gclid: "x", referrer: "https://ya.ru/",
    });
    expect(landing("https://shop.example/p", "https://shop.example/")).toEqual({});
  });
  it("keeps the campaign three pages later and the first touch for 30 days", () => {
    const st: State = {};
    remember(st, { utm_source: "google" }, true, 0, "https://s/landing?utm_source=google");
    remember(st, {}, false, 1000, "https://s/p2");
    remember(st, {}, false, 2000, "https://s/p3");
    const src = source(st, "https://s/p3") as any;
    expect(src.utm_source).toBe("google");
    expect(src.page_url).toBe("https://s/p3");
    expect(src.first_touch.utm_source).toBe("google");
    remember(st, { utm_source: "fb" }, true, 29 * DAY, "https://s/x");
    expect((source(st, "https://s/x") as any).first_touch.utm_source).toBe("google");
    remember(st, { utm_source: "fb" }, true, 31 * DAY, "https://s/x");
    expect((source(st, "https://s/x") as any).first_touch.utm_source).toBe("fb");
  });
});

describe("exit intent", () => {
  const out: Out = { x: 500, y: 2, w: 1265, h: 800, to: false, tag: "HTML", lastY: 40, top: 1e9 };
  it("fires through the top edge, moving up", () => {
    expect(leftTop(out, 20)).toBe(true);
    expect(leftTop({ ...out, y: 60 }, 20)).toBe(false); // not near the top
    expect(leftTop({ ...out, lastY: 1 }, 20)).toBe(false); // moving down
  });
  it("ignores select popups, autofill lists and scrollbars", () => {
    expect(leftTop({ ...out, tag: "SELECT" }, 20)).toBe(false);
    expect(leftTop({ ...out, tag: "OPTION" }, 20)).toBe(false);
    expect(leftTop({ ...out, top: 0, y: 10 }, 20)).toBe(false); // list under a focused field at the top
    expect(leftTop({ ...out, x: 1270 }, 20)).toBe(false); // vertical scrollbar
    expect(leftTop({ ...out, to: true }, 20)).toBe(false); // onto another element
  });
  it("mobile: a fast scroll back up", () => {
    expect(fastUp([[0, 2000], [200, 1850]], 120)).toBe(true);
    expect(fastUp([[0, 2000], [900, 1850]], 120)).toBe(false); // slow
    expect(fastUp([[0, 2000], [200, 1950]], 120)).toBe(false); // short
  });
});

describe("texts", () => {
  it("fills placeholders (the texts themselves come resolved from the server)", () => {
    expect(fill("через {s} с", { s: 5 })).toBe("через 5 с");
    expect(fill("осталось: {n}", {})).toBe("осталось: ");
  });
});
