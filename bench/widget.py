"""Widget page-impact figures (a benchmark that prints numbers, not a test).

    .venv/bin/python bench/widget.py                # figures
    .venv/bin/python bench/widget.py --screenshots  # also write docs/screenshots/*.png

Loads the example shop (example_app) and the browser-test site in Debian's Chromium and
prints: gzipped bytes (widget.js + one RU form config), CLS, whether the widget was the LCP
element, main-thread time the widget adds at load (CDP TaskDuration, with vs without the
script, median of 5), and exit-intent false triggers over a scripted browsing session.
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


def main_thread_ms(browser, url: str, runs: int = 5) -> tuple[float, float]:
    """Median CDP script + layout + style time (ms) of loading `url` with and without widget.js."""
    out = {True: [], False: []}
    for _ in range(runs):
        for with_widget in (True, False):
            ctx = browser.new_context(viewport={"width": 1280, "height": 800})
            page = ctx.new_page()
            if not with_widget:
                page.route("**/widget.js", lambda r: r.abort())
            cdp = ctx.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(url, wait_until="load")
            page.wait_for_timeout(700)  # config fetched, inline form rendered
            m = {x["name"]: x["value"] for x in cdp.send("Performance.getMetrics")["metrics"]}
            out[with_widget].append(sum(m[k] for k in ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration")) * 1000)
            ctx.close()
    return statistics.median(out[True]), statistics.median(out[False])


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
            configs = {}
            for name, url in (("shop tracking (RU only)", shop_url + "/phonecapture/api/v1/forms/tracking"),
                              ("shop callback (RU, KZ, BY)", shop_url + "/phonecapture/api/v1/forms/callback"),
                              ("test site inline (RU only)", site.url + "/phonecapture/api/v1/forms/inline")):
                body = urllib.request.urlopen(url).read()
                configs[name] = gz(json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode())
            print(f"widget.js: {len(bundle)} B, {gz(bundle)} B gzip")
            for name, size in configs.items():
                total = gz(bundle) + size
                print(f"  + config {name}: {size} B gzip -> {total} B ({'OK' if total <= 6144 else 'OVER'} the 6 KB budget)")
            for label, url, after in (("shop /product/kettle (inline)", shop_url + "/product/kettle", 0),
                                      ("shop /tracking (inline)", shop_url + "/tracking", 0),
                                      ("test site popup after 60 s", site.url + "/page/popup", 61_000),
                                      ("test site inline + popup", site.url + "/page/inline,popup", 61_000)):
                r = impact(browser, url, after)
                print(f"{label}: CLS {r['cls']:.4f}; widget is LCP: {r['lcp']['widget']} (LCP {r['lcp']['tag']}, {r['lcp']['size']} px²)")
            for label, url in (("shop /product/kettle", shop_url + "/product/kettle"), ("test site /page/button", site.url + "/page/button")):
                w, wo = main_thread_ms(browser, url)
                print(f"main thread at load, {label}: {w:.1f} ms with widget, {wo:.1f} ms without -> +{w - wo:.1f} ms")
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
