"""Small helpers shared by the browser tests."""
from __future__ import annotations

import json
import os

from tests.browser.conftest import AXE

LAYOUT_SHIFT = """() => new Promise(resolve => {
  let cls = 0;
  new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) cls += e.value; })
    .observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve(cls), 300);
})"""

LCP = """() => new Promise(resolve => {
  const seen = [];
  new PerformanceObserver(l => { for (const e of l.getEntries()) seen.push(e); })
    .observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => {
    const last = seen[seen.length - 1];
    const el = last && last.element;
    const inWidget = !!el && (el.getRootNode() instanceof ShadowRoot || !!el.closest('[data-phonecapture],[data-phonecapture-teaser]'));
    // The no-JS form a page may hold in an inline placeholder is the page's own server HTML.
    const noJs = !!el && !inWidget && !!el.closest('[data-phonecapture-inline]');
    resolve({count: seen.length, tag: el ? el.tagName : null, size: last ? last.size : 0, widget: inWidget, noJs});
  }, 300);
})"""


# Collects Content-Security-Policy violations into window.__csp (an init script).
CSP_WATCH = """window.__csp = []; document.addEventListener('securitypolicyviolation',
    e => __csp.push(e.violatedDirective + ' ' + e.blockedURI));"""

# The page behind a modal is inert: its controls cannot take focus, whatever the site's own
# `inert` attributes say (the widget never touches them; the browser's modal dialog does this).
BACKGROUND_INERT = """() => [...document.querySelectorAll('main a, main button, main input, header a')]
  .every(el => { el.focus(); return document.activeElement !== el })"""


def axe(page, include_selector=None) -> list[dict]:
    """Run axe-core in the page (shadow DOM included); return violations, summarised."""
    with open(AXE, encoding="utf-8") as fh:
        page.add_script_tag(content=fh.read())
    result = page.evaluate("async () => JSON.stringify((await axe.run(document, {resultTypes: ['violations']})).violations)")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in json.loads(result)]


def have_axe() -> bool:
    return os.path.exists(AXE)


def widget_state(page) -> dict:
    return page.evaluate("() => JSON.parse(localStorage.getItem('phonecapture') || '{}')")


def goto(page, url: str, *forms: str):
    """Open a page and wait until the widget has each form's config (responses are collected
    from before the navigation, so one that arrives early is not missed)."""
    got: set[str] = set()

    def seen(r):
        if "/api/v1/forms/" in r.url:
            got.add(r.url.split("?")[0].rsplit("/", 1)[1])

    page.on("response", seen)
    try:
        page.goto(url)
        for _ in range(300):
            if set(forms or got or ["?"]) <= got:
                break
            page.wait_for_timeout(50)
        else:
            raise AssertionError(f"form configs not fetched: {set(forms) - got}")
    finally:
        page.remove_listener("response", seen)
    page.wait_for_timeout(50)


def slidein_on_a_phone(site, mobile_context):
    """A 360 px page scrolled far enough for its slide-in (scroll_pct 50): (page, dialog)."""
    page = mobile_context.new_page()
    goto(page, site.url + "/page/slidein?long=40", "slidein")
    page.evaluate("scrollTo(0, 5000)")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    return page, dialog
