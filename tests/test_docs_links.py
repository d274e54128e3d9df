"""README.md and docs/*.md: every relative link and image points to a file that exists, and
every #anchor to a heading of the page it names (GitHub's heading ids).

Links inside fenced code blocks and inline code are not links; http(s)/mailto links are not
checked (no network in tests)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"(`+).+?\1", re.DOTALL)
# [text](target "title") and ![alt](target), one level of brackets inside the text
_MD_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_REF = re.compile(r"<(?:img|a|source)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"", re.IGNORECASE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _prose(text: str) -> str:
    """The page without code: fenced blocks and inline code spans."""
    return _CODE.sub("", _FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def _targets(page: Path) -> list[str]:
    text = _prose(page.read_text(encoding="utf-8"))
    return _MD_LINK.findall(text) + _HTML_REF.findall(text)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _problems(page: Path) -> list[str]:
    problems = []
    for target in _targets(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("//"):
            continue  # http:, https:, mailto: ...
        path_part, _, fragment = target.partition("#")
        dest = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not dest.exists():
            problems.append(f"{target}: {_shown(dest)} does not exist")
        elif fragment and dest.suffix == ".md" and unquote(fragment) not in _anchors(dest):
            problems.append(f"{target}: no heading with the id #{fragment} in {_shown(dest)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_relative_links_and_images_resolve(page):
    assert _problems(page) == []


def test_the_checker_sees_links_images_and_anchors(tmp_path):
    (tmp_path / "shot.png").write_bytes(b"")
    page = tmp_path / "page.md"
    page.write_text("# Page impact (measured by `bench/widget.py`)\n"
                    "![ok](shot.png) ![gone](missing.png) [x](page.md#page-impact-measured-by-benchwidgetpy)\n"
                    '<img src="gone.png" alt=""> [bad](#nowhere) [web](https://example.com/x.png)\n'
                    "`![code](not-a-link.png)`\n```\n![fenced](not-a-link.png)\n```\n", encoding="utf-8")
    problems = _problems(page)
    assert [p.split(":")[0] for p in problems] == ["missing.png", "#nowhere", "gone.png"]
