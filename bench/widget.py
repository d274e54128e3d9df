"""Widget page-impact figures (a benchmark that prints numbers, not a test).

    .venv/bin/python bench/widget.py                # figures
    .venv/bin/python bench/widget.py --screenshots  # also write docs/screenshots/*.png
    .venv/bin/python bench/widget.py --screenshots-only

Loads the example shop (example_app) and the browser-test site in Debian's Chromium and
prints: gzipped bytes (widget.js + one RU form config), CLS, whether the widget was the LCP
element, main-thread time the widget costs at load, and exit-intent false triggers over a
scripted browsing session.

Main-thread time comes from Chromium traces (see `attribute`): the renderer main thread's
events are read with their thread CPU time (a shared, busy machine barely moves it) and the
widget's script work is attributed directly (compile, top-level evaluation, the config
callback, building a form, its beacon); the style, layout and paint its DOM causes come from
paired runs with widget.js blocked (interleaved, median of the per-pair differences).
Each page is measured on a first visit (every cache cold) and on the third page view of a visit
(V8 reuses the widget's compiled code, the way a visitor browsing a shop meets it).
"""
from __future__ import annotations

import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.browser.conftest import ARGS, CHROMIUM, Server, free_port  # noqa: E402
from tests.browser.helpers import LAYOUT_SHIFT, LCP  # noqa: E402
from tests.test_example_app import WEIGHT_BUDGET  # noqa: E402

BUNDLE = os.path.join(ROOT, "flask_phonecapture", "static", "phonecapture", "widget.js")
SHOTS = os.path.join(ROOT, "docs", "screenshots")


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def shop():
    """The example shop on a free port (SQLite in a temp dir)."""
    tmp = tempfile.mkdtemp()
    env = dict(os.environ, EXAMPLE_INSTANCE_PATH=tmp, PYTHONUNBUFFERED="1")
    flask = [sys.executable, "-m", "flask", "--app", "example_app"]
    subprocess.run(flask + ["phonecapture", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(flask + ["run", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return proc, url


# -- main-thread time from Chromium traces ------------------------------------------------
TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "blink", "mojom",
                    "disabled-by-default-v8.compile", "toplevel"]
# Markers: console.timeStamp puts an instant with thread time into the trace (a few µs). Where the
# widget starts to build a form (attachShadow) and around its beacons; inert without the widget.
MARKERS = """(() => { const a = Element.prototype.attachShadow, b = Navigator.prototype.sendBeacon, t = console.timeStamp;
  Element.prototype.attachShadow = function (o) { t('pc:render'); return a.call(this, o); };
  Navigator.prototype.sendBeacon = function (...x) { t('pc:beacon'); try { return b.apply(this, x); } finally { t('pc:beacon-end'); } };
})()"""
_SCRIPT = {"EvaluateScript", "FunctionCall", "TimerFire", "RunMicrotasks", "v8.run", "FireAnimationFrame",
           "FireIdleCallback", "v8.callFunction", "v8.evaluateModule"}
_STYLE = {"UpdateLayoutTree", "RecalcStyle", "Layout"}
_PAINT = {"PrePaint", "Paint", "Layerize", "Commit", "UpdateLayer", "CompositeLayers", "PaintImage"}


def _kind(e: dict) -> str | None:
    n = e["name"]
    if n == "V8.CollectSourcePositions":
        return "overhead"  # V8 adds source positions for the trace's own stack traces: not a cost without tracing
    if n == "v8.compile" or e.get("cat") == "disabled-by-default-v8.compile":
        return "compile"  # the streamed top-level script and every function compiled lazily on its first call
    if n in _STYLE:
        return "style"
    if n in _PAINT:
        return "paint"
    if n in _SCRIPT:
        return "script"
    if n in ("MinorGC", "MajorGC") or n.startswith("V8.GC"):
        return "gc"
    return None


def attribute(trace: bytes, origin: str, widget: str = "/phonecapture/widget.js") -> dict:
    """One page load's trace -> main-thread thread time (ms) of the page's renderer.

    ``widget``: the widget's own work by phase. Script events of widget.js (and microtasks: the
    test pages run no other script) own everything nested in them; their self time is split by
    the markers into evaluate / callbacks (config JSON, storage, display rules) / render (from
    attachShadow to the end of that task) / beacon; nested compile, style/layout (forced) and
    GC keep their own kind; V8.CollectSourcePositions is the trace's own overhead and dropped.
    ``loading`` is the rest of the tasks that receive widget.js and the answers to the widget's
    requests (config, beacon). ``timeline``: the style/layout and paint outside the widget's
    script, for paired differences. ``ipc_wait``: wall time of synchronous IPC in its script."""
    ev = json.loads(trace)
    ev = ev["traceEvents"] if isinstance(ev, dict) else ev
    html = [e for e in ev if e["name"] == "ParseHTML" and e.get("ph") == "X"
            and e.get("args", {}).get("beginData", {}).get("url", "").startswith(origin)]
    pid, tid = html[0]["pid"], html[0]["tid"]  # the page's renderer main thread parses its HTML
    mine = [e for e in ev if e["pid"] == pid and e["tid"] == tid]
    t0 = min(e["ts"] for e in html if e["pid"] == pid)
    marks = sorted((e["ts"], e["tts"], e["args"]["data"].get("message", "")) for e in mine
                   if e["name"] == "TimeStamp" and "tts" in e and "data" in e.get("args", {}))
    renders = [tt for _, tt, m in marks if m == "pc:render"]
    beacons = [(a[1], b[1]) for a, b in zip(marks, marks[1:]) if a[2] == "pc:beacon" and b[2] == "pc:beacon-end"]
    xs = sorted((e for e in mine if e.get("ph") == "X" and "dur" in e), key=lambda e: (e["ts"], -e["dur"]))
    roots, stack = [], []
    for e in xs:  # nesting by wall clock
        e["kids"] = []
        while stack and e["ts"] >= stack[-1]["ts"] + stack[-1]["dur"]:
            stack.pop()
        (stack[-1]["kids"] if stack else roots).append(e)
        stack.append(e)

    def url(e):
        return (e.get("args", {}).get("data") or {}).get("url") or e.get("args", {}).get("fileName") or ""

    def cpu(e):
        return e.get("tdur", e["dur"])

    def parses(e):  # a task that commits or parses the page's HTML is the page's own work
        return e["name"] == "ParseHTML" or e["name"].startswith("HTMLDocumentParser") or any(parses(c) for c in e["kids"])

    kinds: dict[str, float] = {}
    w: dict[str, float] = {}
    timeline: list[tuple[float, str, float]] = []
    info = {"other_scripts": set(), "ipc_wait": 0.0, "ipc": set()}

    def add(d, k, v):
        d[k] = d.get(k, 0.0) + v

    def split(a, b, base, root):
        """Share the widget's self time [a, b) (thread clock) between base, render and beacon."""
        lo, hi = root["tts"], root["tts"] + root["tdur"]
        r = next((t for t in renders if lo <= t <= hi), None)
        cuts = [(float("-inf"), base)] + ([(r, "render")] if r is not None else [])
        for s_, u in beacons:
            if lo <= s_ <= hi:
                cuts += [(s_, "beacon"), (u, "render" if r is not None and s_ >= r else base)]
        cuts.sort()
        for i, (s_, name) in enumerate(cuts):
            end = cuts[i + 1][0] if i + 1 < len(cuts) else float("inf")
            if min(end, b) > max(s_, a):
                add(w, name, min(end, b) - max(s_, a))

    def walk(e, kind, owner, root, base, top):
        k = "overhead" if kind == "overhead" else (_kind(e) or kind)
        if owner is None and e["name"] in _SCRIPT:
            u = url(e)
            if widget in u or e["name"] == "RunMicrotasks":
                owner, root, base = "widget", e, "evaluate" if e["name"] == "EvaluateScript" else "callbacks"
                spans.append((e["ts"], e["ts"] + e["dur"]))
            elif u and e["name"] in ("EvaluateScript", "FunctionCall"):
                owner = "other"
                info["other_scripts"].add(u)
        if owner is None and e["name"] == "v8.compile" and widget in url(e):
            owner = "widget"
        self_t = max(0.0, cpu(e) - sum(cpu(c) for c in e["kids"]))
        add(kinds, k or "other", self_t)
        if owner != "widget" and k not in ("style", "paint", "overhead"):
            add(loose, id(top), self_t)
        if owner != "widget":
            if k in ("style", "paint"):
                timeline.append(((e["ts"] - t0) / 1000, k, self_t / 1000))
        elif k in ("compile", "overhead", "style", "paint", "gc"):
            add(w, k, self_t)
        elif "tts" not in e or root is None or "tts" not in root:
            add(w, base or "callbacks", self_t)
        else:  # self time as thread-clock intervals between the (timed) children
            t = e["tts"]
            for c in sorted((c for c in e["kids"] if "tts" in c), key=lambda c: c["tts"]):
                split(t, c["tts"], base, root)
                t = max(t, c["tts"] + c["tdur"])
            split(t, e["tts"] + e["tdur"], base, root)
        if owner == "widget" and "mojom" in e.get("cat", "") and k != "overhead" and "::" in e["name"]:
            info["ipc_wait"] += max(0, e["dur"] - cpu(e))  # a synchronous IPC: the thread waits, off CPU
            info["ipc"].add(e["name"])
        for c in e["kids"]:
            walk(c, k, owner, root, base, top)

    spans: list[tuple[float, float]] = []  # the widget's script, wall clock
    loose: dict[int, float] = {}  # per task: thread time that is neither the widget's script nor rendering
    for r in roots:
        walk(r, None, None, None, None, r)
    # Loading: the tasks that receive widget.js and the responses to the widget's own requests
    # (config, beacon), less what is counted above.
    sent = {e["args"]["data"]["requestId"]: e for e in mine if e["name"] == "ResourceSendRequest"}
    ours = {i for i, e in sent.items() if widget in e["args"]["data"].get("url", "")
            or any(a <= e["ts"] <= b for a, b in spans)}
    # On a repeat view widget.js comes from the memory cache inside the page's parsing task.
    hit = {id(r) for r in roots if parses(r)}
    for e in mine:
        if e["name"] in ("ResourceReceiveResponse", "ResourceReceivedData", "ResourceFinish") \
                and (e.get("args", {}).get("data") or {}).get("requestId") in ours:
            top = next((r for r in roots if r["ts"] <= e["ts"] <= r["ts"] + r["dur"]), None)
            if top is not None and id(top) not in hit:
                hit.add(id(top))
                add(w, "loading", loose.get(id(top), 0.0))
    walls = [ts for ts, _, m in marks if m == "pc:render"]
    ends = [e["ts"] + e["dur"] for e in xs if e["name"] == "EvaluateScript" and widget in url(e)]
    start = walls[0] if walls else (ends[0] if ends else None)
    paints = [e["ts"] + e["dur"] for e in xs if e["name"] == "Paint" and e["ts"] >= t0]
    return {"widget": {k: v / 1000 for k, v in w.items()},
            "total": sum(v for k, v in kinds.items() if k != "overhead") / 1000,
            "start": None if start is None else (start - t0) / 1000,  # the widget's first DOM work, or its evaluation
            "first_paint": (paints[0] - t0) / 1000 if paints else float("inf"),
            "rendered": bool(walls), "timeline": timeline, "ipc_wait": info["ipc_wait"] / 1000, "ipc": sorted(info["ipc"]),
            "other_scripts": sorted(info["other_scripts"])}


def _after(run: dict, since: float, kind: str) -> float:
    return sum(v for t, k, v in run["timeline"] if k == kind and t >= since)


def traced_load(browser, url: str, with_widget: bool, repeat: bool = False) -> dict:
    """One traced load in a new browser context: a first visit (cold HTTP and code caches), or with
    `repeat` the third page view of a visit (two earlier views of the page; V8 keeps compiled code
    for a script seen twice, so the third view skips most compiling, as on a real shop visit)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.add_init_script(MARKERS)
    if not with_widget:
        page.route("**/widget.js", lambda r: r.abort())
    if repeat:
        for _ in range(2):
            page.goto(url, wait_until="load")
            page.wait_for_load_state("networkidle")
        page.goto("about:blank")  # the previous view's unload (and its beacon) stays out of the trace
    browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
    try:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")  # config fetched, form built, beacon sent
        page.wait_for_timeout(300)  # and painted
    finally:
        trace = browser.stop_tracing()
        ctx.close()
    return attribute(trace, "/".join(url.split("/", 3)[:3]))


PHASES = (("loading", "loading"), ("compile", "compile"), ("evaluate", "evaluate"), ("config callback", "callbacks"),
          ("render", "render"), ("beacon", "beacon"), ("style+layout", "style"), ("paint", "paint"))


def main_thread(browser, url: str, pairs: int = 10, repeat: bool = False) -> dict:
    """The widget's main-thread thread time (ms) at load by phase: medians over `pairs` interleaved
    pairs of loads with and without widget.js (order alternating within pairs).

    Script phases are read directly from the with-widget trace. Style+layout and paint: the
    widget's forced ones, plus the page's after the widget first touched the DOM minus the same
    in the paired blocked load (from the same moment, and after that load's first paint if the
    page had painted before the widget did). The total is per pair, then the median."""
    traced_load(browser, url, True, repeat), traced_load(browser, url, False, repeat)  # warm the servers and caches
    rows = []
    for i in range(pairs):
        runs = {}
        for with_widget in ((True, False) if i % 2 == 0 else (False, True)):
            runs[with_widget] = traced_load(browser, url, with_widget, repeat)
        w, b = runs[True], runs[False]
        since = w["start"] if w["start"] is not None else float("inf")
        if not w["rendered"]:  # no DOM of its own: the first frames are the page's in both loads
            since, base = max(since, w["first_paint"]), max(since, b["first_paint"])
        else:  # from the widget's first DOM work; in the blocked load after its first paint too, unless
            # the widget built its form before the page's first paint (both first frames then count)
            base = since if w["first_paint"] > since else max(since, b["first_paint"])
        row = {k: w["widget"].get(k, 0.0) for k in ("loading", "compile", "evaluate", "callbacks", "render", "beacon", "gc")}
        for k in ("style", "paint"):
            row[k] = w["widget"].get(k, 0.0) + _after(w, since, k) - _after(b, base, k)
        row["total"] = sum(row.values())
        row["page_delta"] = w["total"] - b["total"]
        row["page_own"] = b["total"]  # the page's own main-thread time: a same-run yardstick for a drifting machine
        row["ipc_wait"] = w["ipc_wait"]
        row["merged"] = w["rendered"] and w["first_paint"] > since  # the form was in the page's first frame
        rows.append(row)
    out = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "merged"}
    out["merged"] = sum(r["merged"] for r in rows)
    q = statistics.quantiles([r["total"] for r in rows], n=4)
    out["total_iqr"] = (q[0], q[2])
    q = statistics.quantiles([r["page_delta"] for r in rows], n=4)
    out["page_delta_iqr"] = (q[0], q[2])
    out["ipc"] = w["ipc"]
    out["other_scripts"] = w["other_scripts"]
    out["pairs"] = rows
    return out


def _total(m: dict) -> str:
    """A main_thread() total with its spread and the verdict (the closing bracket is the caller's)."""
    return (f"{m['total']:.1f} ms of thread time (IQR {m['total_iqr'][0]:.1f}-{m['total_iqr'][1]:.1f}, "
            f"{len(m['pairs'])} pairs; {'OK' if m['total'] < 10 else 'OVER'} the 10 ms bar")


def _phases(m: dict) -> str:
    return ", ".join(f"{name} {m[k]:.1f}" for name, k in PHASES) + (f", GC {m['gc']:.1f}" if m["gc"] >= 0.05 else "")


def impact(browser, url: str, popup_after_ms: int = 0) -> dict:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    if popup_after_ms:
        page.clock.install()
    page.goto(url, wait_until="load")
    page.wait_for_timeout(800)
    if popup_after_ms:
        page.clock.fast_forward(popup_after_ms)
        page.wait_for_timeout(600)
    res = {"cls": page.evaluate(LAYOUT_SHIFT), "lcp": page.evaluate(LCP)}
    ctx.close()
    return res


def exit_false_triggers(browser, site) -> tuple[int, int]:
    """Scripted normal browsing on a page with an exit-intent form; count shows."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    # Observe the document itself: an init script runs before <html> exists, so observing
    # document.documentElement threw and no show (false or real) was ever counted.
    page.add_init_script("window.__shows = 0; new MutationObserver(rs => rs.forEach(r => r.addedNodes.forEach(n => "
                         "n.dataset && n.dataset.phonecapture && window.__shows++))).observe(document, {childList: true, subtree: true})")
    page.goto(site.url + "/page/exit?long=40&cta=1", wait_until="load")
    page.wait_for_timeout(1300)  # armed
    m = page.mouse
    culprits = []

    def step(name, fn):
        before = page.evaluate("() => __shows")
        fn()
        page.wait_for_timeout(50)
        if page.evaluate("() => __shows") > before:
            culprits.append(name)
            page.evaluate("() => PhoneCapture.close()")

    step("reading, pointer towards the menu", lambda: [m.move(640, y, steps=5) for y in (400, 300, 200, 120, 60, 30, 300)])

    def select_box():
        page.locator("#vol").click()  # native select: open, move over options, pick
        for y in (260, 300, 330):
            m.move(120, y, steps=3)
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
    step("select box", select_box)

    def autofill():
        page.locator("#email").click()  # a focused field; Chrome's autofill list hangs below it
        page.locator("#email").evaluate(
            "e => { const r = e.getBoundingClientRect(); document.dispatchEvent(new MouseEvent('mousemove', {clientX: r.x + 20, clientY: r.bottom + 5}));"
            " e.dispatchEvent(new MouseEvent('mouseout', {bubbles: true, clientX: r.x + 20, clientY: r.bottom + 2, relatedTarget: null})) }")
    step("autofill list (email field scrolled to the top)", lambda: (page.evaluate(
        "() => scrollTo(0, document.querySelector('#email').getBoundingClientRect().top + scrollY - 4)"), autofill()))
    step("scrollbar", lambda: page.evaluate(
        "() => { const w = document.documentElement.clientWidth; document.dispatchEvent(new MouseEvent('mousemove', {clientX: w - 5, clientY: 12}));"
        " document.documentElement.dispatchEvent(new MouseEvent('mouseout', {bubbles: true, clientX: w + 4, clientY: 10, relatedTarget: null})) }"))
    step("scrolling", lambda: (m.move(640, 400), m.wheel(0, 1500), m.wheel(0, -700), page.wait_for_timeout(100)))
    step("links", lambda: (page.get_by_role("link", name="Каталог").hover(), page.get_by_role("link", name="Доставка").hover()))
    false_shows = len(culprits)
    if culprits:
        print("  false triggers at:", ", ".join(culprits))
    page.locator("#after").click()  # reading on: the e-mail field loses focus
    for y in (200, 60, 10, -5):  # a real exit, for contrast
        m.move(640, y, steps=2)
    page.wait_for_timeout(300)
    real = page.evaluate("() => __shows") - false_shows
    ctx.close()
    return false_shows, real


def screenshots(browser, site):
    os.makedirs(SHOTS, exist_ok=True)
    sizes = {"desktop": dict(viewport={"width": 1280, "height": 800}),
             "mobile": dict(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2)}
    for lang in ("ru", "en"):
        sfx = "" if lang == "ru" else "_en"
        call = "Перезвоните мне" if lang == "ru" else "Call me back"
        for size, opts in sizes.items():
            for mode in ("popup", "inline", "slidein", "exit", "button", "code"):
                ctx = browser.new_context(locale="ru-RU" if lang == "ru" else "en-GB", **opts)
                page = ctx.new_page()
                form = {"code": "button"}.get(mode, mode) + sfx
                page.clock.install()
                page.goto(f"{site.url}/page/{form}?lang={lang}&long=40", wait_until="load")
                page.wait_for_timeout(700)
                if mode == "popup":
                    page.clock.fast_forward(61_000)
                elif mode == "slidein":
                    page.mouse.wheel(0, 3000) if size == "desktop" else page.evaluate("scrollTo(0, 3000)")
                elif mode == "exit":
                    if size == "desktop":
                        page.clock.fast_forward(1500)
                        for y in (300, 10, -5):
                            page.mouse.move(640, y)
                    else:
                        page.evaluate("() => PhoneCapture.open('%s')" % form)
                elif mode == "inline":
                    page.locator(f"[data-phonecapture-inline='{form}']").scroll_into_view_if_needed()
                elif mode == "code":
                    page.get_by_role("button", name=call).click()
                    d = page.get_by_role("dialog")
                    d.get_by_label("Телефон" if lang == "ru" else "Phone", exact=True).press_sequentially(
                        "9123456789" if lang == "ru" else "7400123456")
                    d.get_by_role("checkbox").first.check()
                    page.clock.fast_forward(2000)
                    d.get_by_role("button", name=call).click()
                    d.get_by_role("textbox").last.wait_for()
                page.wait_for_timeout(500)
                page.screenshot(path=os.path.join(SHOTS, f"{mode}-{lang}-{size}.png"))
                if mode == "button":  # and the form it opens
                    page.get_by_role("button", name=call).click()
                    page.get_by_role("button", name=call).last.click()  # submit empty: show errors
                    page.wait_for_timeout(400)
                    page.screenshot(path=os.path.join(SHOTS, f"errors-{lang}-{size}.png"))
                ctx.close()


def main():
    from playwright.sync_api import sync_playwright

    bundle = open(BUNDLE, "rb").read()
    site = Server(tempfile.mkdtemp())
    proc, shop_url = shop()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            if "--screenshots-only" in sys.argv:  # after a style change: no measuring
                screenshots(browser, site)
                print("screenshots written to docs/screenshots/")
                return
            configs = {}
            for name, url in (("shop tracking (RU only)", shop_url + "/phonecapture/api/v1/forms/tracking"),
                              ("shop callback (RU, KZ, BY)", shop_url + "/phonecapture/api/v1/forms/callback"),
                              ("test site inline (RU only)", site.url + "/phonecapture/api/v1/forms/inline")):
                body = urllib.request.urlopen(url).read()
                configs[name] = gz(json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode())
            print(f"widget.js: {len(bundle)} B, {gz(bundle)} B gzip")
            for name, size in configs.items():
                total = gz(bundle) + size
                print(f"  + config {name}: {size} B gzip -> {total} B "
                      f"({'OK' if total <= WEIGHT_BUDGET else 'OVER'} the {WEIGHT_BUDGET:,} B budget)")
            wire = {path: len(urllib.request.urlopen(urllib.request.Request(
                shop_url + path, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})).read())
                for path in ("/phonecapture/widget.js", "/phonecapture/api/v1/forms/tracking")}
            print("as Chromium downloads them from the shop: widget.js "
                  f"{wire['/phonecapture/widget.js']} B (brotli) + tracking config "
                  f"{wire['/phonecapture/api/v1/forms/tracking']} B (gzip) = {sum(wire.values())} B")
            for label, url, after in (("shop /product/kettle (inline, drawn by the server)", shop_url + "/product/kettle", 0),
                                      ("shop /tracking (inline)", shop_url + "/tracking", 0),
                                      ("test site popup after 60 s", site.url + "/page/popup", 61_000),
                                      ("test site inline + popup", site.url + "/page/inline,popup", 61_000)):
                r = impact(browser, url, after)
                print(f"{label}: CLS {r['cls']:.4f}; widget is LCP: {r['lcp']['widget']} (LCP {r['lcp']['tag']}{' of the no-JS form in the placeholder' if r['lcp']['noJs'] else ''}, {r['lcp']['size']} px²)")
            for label, url in (("shop /product/teapot (inline form drawn by the server)", shop_url + "/product/teapot"),
                               ("shop /tracking (inline form drawn by the widget)", shop_url + "/tracking"),
                               ("test site /page/popup (popup after 60 s)", site.url + "/page/popup"),
                               ("test site /page/button (teaser button)", site.url + "/page/button")):
                m = main_thread(browser, url)
                print(f"main thread at load, {label}: {_total(m)}; "
                      f"{m['total'] / m['page_own']:.0%} of the page's own {m['page_own']:.1f} ms without the widget)")
                print("  " + _phases(m))
                print(f"  + {m['ipc_wait']:.1f} ms off CPU waiting on sync IPC ({', '.join(m['ipc']) or 'none'}); "
                      f"cross-check, whole page with minus without: +{m['page_delta']:.1f} ms "
                      f"(IQR {m['page_delta_iqr'][0]:.1f}-{m['page_delta_iqr'][1]:.1f})"
                      + (f"; the form was in the page's first frame in {m['merged']} pairs" if m["merged"] else ""))
                if m["other_scripts"]:
                    print("  note: other scripts ran; microtasks were counted as the widget's:", ", ".join(m["other_scripts"]))
                r = main_thread(browser, url, pairs=6, repeat=True)
                print(f"  third page view of a visit (HTTP and V8 code caches warm): {_total(r)}): {_phases(r)}")
            false_shows, real = exit_false_triggers(browser, site)
            print(f"exit intent: {false_shows} false triggers in a scripted session (links, select box, autofill list, "
                  f"scrollbar, scrolling); real exit through the top fired: {bool(real)}")
            if "--screenshots" in sys.argv:
                screenshots(browser, site)
                print("screenshots written to docs/screenshots/")
            browser.close()
    finally:
        site.stop()
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
