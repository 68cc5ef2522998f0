"""Checks over the built site (``docs/_build/html``) that Sphinx's own warnings do not cover.

``python docs/check_html.py [BUILD_DIR]`` prints each problem and exits 1 if any was found:

* ``tags``: an element name HTML does not know: text such as ``<x>`` in a page was read as a tag
  and swallowed by the browser (the errata of (5.5) once read "H ≈ ½ (x - )^T G (x - )");
* ``tex``: raw TeX (``_{`` or ``^{``) in running text, outside math, code and literal blocks;
* ``links``: an internal link whose file or ``#anchor`` does not exist;
* ``gallery``: a gallery example whose page shows no figure;
* ``equations``: a numbered equation of the paper missing from the equation index;
* ``paths``: a path of the build machine in a page (the checkout, the home directory, a
  temporary directory made by ``tempfile``), as an example's output or a warning prints it;
* ``fields``: a documented field that lost its name or its description: ``lower, upper``
  shown as the field ``upper`` of type ``lower,``, or a description read as an enumerated
  list (a lone ``N.``).

``--only NAME[,NAME]`` runs some of them; ``.ci/checks`` runs all seven on every page, the API
pages rendered from docstrings included (their formulas are ``:math:`` roles and ``.. math::``
blocks).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent

#: element names of HTML 5 (and the SVG/MathML roots pages may carry)
HTML_ELEMENTS = frozenset("""
a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption
cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset
figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins
kbd label legend li link main map mark menu meta meter nav noscript object ol optgroup option
output p param picture pre progress q rp rt ruby s samp script search section select slot small
source span strong style sub summary sup table tbody td template textarea tfoot th thead time
title tr track u ul var video wbr svg path g symbol use defs circle rect line polyline polygon
text tspan title desc clippath lineargradient radialgradient stop mask pattern image math
""".split())
#: where TeX is expected: math (MathJax), code and literal blocks
_VERBATIM_TAGS = {"code", "pre", "script", "style", "kbd", "tt", "samp", "textarea", "svg"}
_MATH_CLASSES = {"math"}
#: literal text outside code elements: values in signatures (``= 'g_{μν}'``) are ``span.pre``
_VERBATIM_CLASSES = {"pre"}
_RAW_TEX = re.compile(r"[_^]\{")


class _Page(HTMLParser):
    """One pass over a page: unknown tags, text outside math/code, ids and links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.unknown: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[str] = []
        self.raw_tex: list[str] = []
        self.text: list[str] = []
        self._stack: list[bool] = []  # per open element: inside math or verbatim?

    def _inside(self) -> bool:
        return any(self._stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag not in HTML_ELEMENTS and not tag.startswith("mjx-"):
            self.unknown.append(tag)
        for key in ("id", "name"):
            if attributes.get(key):
                self.ids.add(attributes[key])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "img" and attributes.get("src"):
            self.images.append(attributes["src"])
        classes = set((attributes.get("class") or "").split())
        if tag not in {"br", "img", "hr", "meta", "link", "input", "wbr", "area", "col",
                       "source", "track", "embed", "param", "base"}:
            self._stack.append(tag in _VERBATIM_TAGS
                               or bool(classes & (_MATH_CLASSES | _VERBATIM_CLASSES)))

    def handle_endtag(self, tag):
        if self._stack:
            self._stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if not self._inside() and _RAW_TEX.search(data):
            self.raw_tex.append(" ".join(data.split())[:80])


def _pages(build: Path) -> Iterator[tuple[Path, _Page]]:
    for path in sorted(build.rglob("*.html")):
        if "_static" in path.parts:
            continue  # theme assets
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        yield path, page


def _written(pages) -> Iterator[tuple[Path, _Page]]:
    """The pages written by us: not the highlighted sources of ``_modules`` (their ids are
    link targets, their text is code)."""
    return ((path, page) for path, page in pages if "_modules" not in path.parts)


def check_tags(build: Path, pages) -> list[str]:
    return [f"{path.relative_to(build)}: unknown element <{tag}> (text swallowed as a tag)"
            for path, page in _written(pages) for tag in sorted(set(page.unknown))]


def check_tex(build: Path, pages) -> list[str]:
    return [f"{path.relative_to(build)}: raw TeX outside math: {text!r}"
            for path, page in _written(pages) for text in page.raw_tex]


def check_links(build: Path, pages) -> list[str]:
    ids = {path: page.ids for path, page in pages}
    problems = []
    for path, page in _written(pages):
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if parts.path and not target.exists():
                problems.append(f"{path.relative_to(build)}: link to missing {href}")
            elif parts.fragment and target.suffix == ".html" and \
                    unquote(parts.fragment) not in ids.get(target, set()):
                problems.append(f"{path.relative_to(build)}: no anchor for {href}")
    return problems


def check_gallery(build: Path, pages) -> list[str]:
    problems = []
    for path, page in _written(pages):
        if path.parent.name == "gallery" and path.name not in {"index.html"}:
            if not any("sphx_glr_" in src and "thumb" not in src for src in page.images):
                problems.append(f"{path.relative_to(build)}: the example shows no figure")
    return problems


def check_equations(build: Path, pages) -> list[str]:
    numbers = json.loads((HERE / "paper" / "equations.json").read_text())["equations"]
    index = build / "_generated" / "equations.html"
    if not index.exists():
        return ["_generated/equations.html: the equation index was not built"]
    text = index.read_text(encoding="utf-8")
    return [f"equation index: ({n}) is missing" for n in numbers if f"({n})" not in text]


def machine_paths() -> re.Pattern:
    """The paths that belong to the machine that built the site, not to the reader's: the
    checkout (``HERE.parent``), the home directory, and ``tempfile``'s directories
    (``tmp`` and eight characters under the temporary directory)."""
    roots = [str(HERE.parent)] + ([str(Path.home())] if Path.home() != Path("/") else [])
    temporary = re.escape(str(Path(tempfile.gettempdir()))) + r"/tmp[a-z0-9_]{8}\b"
    return re.compile("|".join([re.escape(r) + r"(?=/|\b)" for r in roots] + [temporary]))


def check_paths(build: Path, pages) -> list[str]:
    pattern = machine_paths()
    problems = []
    for path, page in _written(pages):
        text = "".join(page.text)
        for m in pattern.finditer(text):
            context = " ".join(text[max(0, m.start() - 30): m.end() + 30].split())
            problems.append(f"{path.relative_to(build)}: build-machine path: {context!r}")
    return problems


#: a field's type that ends in a comma (the first of "a, b"), or a description that is a list
_BROKEN_FIELD = re.compile(r"<strong>([^<]+)</strong> \((?:<a [^>]*>)?<em>[^<]*</em>(?:</a>)?"
                           r"<em>,</em>\)"
                           r"|<strong>([^<]+)</strong>(?: \([^–]*?\))? – "
                           r"<ol class=\"\w*(alpha|roman)")


def check_fields(build: Path, pages) -> list[str]:
    problems = []
    for path, _ in _written(pages):
        for m in _BROKEN_FIELD.finditer(path.read_text(encoding="utf-8")):
            what = "lost a name" if m.group(1) else "description read as a list"
            problems.append(f"{path.relative_to(build)}: field {m.group(1) or m.group(2)}: {what}")
    return problems


CHECKS: dict[str, Callable] = {"tags": check_tags, "tex": check_tex, "links": check_links,
                               "gallery": check_gallery, "equations": check_equations,
                               "paths": check_paths, "fields": check_fields}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", default=str(HERE / "_build" / "html"))
    parser.add_argument("--only", default=",".join(CHECKS),
                        help="comma-separated checks to run (default: all)")
    args = parser.parse_args(argv)
    build = Path(args.build).resolve()  # links are resolved to absolute paths
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in CHECKS]
    if unknown or not build.is_dir():
        parser.error(f"unknown check {unknown}" if unknown else f"no built site at {build}")
    pages = list(_pages(build))
    failed = 0
    for name in names:
        problems = CHECKS[name](build, pages)
        print(f"{name}: {len(problems)} problem(s)")
        for line in problems[:50]:
            print("  " + line)
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
