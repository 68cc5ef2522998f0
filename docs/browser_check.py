r"""Open pages of the built site in headless Chromium: screenshots, and MathJax really rendered.

``python docs/browser_check.py [BUILD_DIR]`` loads the home page, an API page, the equation
index, the errata (the whole page, and scrolled to the entry of (5.5)) and a gallery page from
disk (no server, no network), saves a screenshot of each under ``BUILD_DIR/../screenshots/``
and checks, in the DOM after scripts ran, that every page with math has MathJax output
(``mjx-container`` elements) and no MathJax error: no ``merror``, no undefined macro (MathJax
shows it as red text) and no formula left as raw TeX (a brace error stops MathJax from reading
a ``\(...\)`` at all). Exits 1 on a failed check, 2 when Chromium is not installed (Debian's
``chromium`` package: ``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: page -> whether it must contain rendered math
PAGES = {
    "index.html": True,
    "_generated/equations.html": True,
    "_generated/derivations.html": True,
    "errata.html": True,
    "paper/section4-5.html": True,
    "api/learning.spectrum.html": True,
    "api/emergent.onsager.html": True,
    "gallery/septuple_quickstart.html": False,
    # one entry of a long page, scrolled to its anchor: the errata of (5.5), whose ⟨x⟩ was once
    # swallowed as an HTML tag
    "errata.html#55-linearisation-of-the-bulk-loss-about-x": True,
}
#: flags for a closed network and a root user (the machine's Chromium notes)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--virtual-time-budget=15000"]


@dataclass(frozen=True)
class PageCheck:
    """What the browser showed of one page."""

    page: str
    screenshot: Path
    math_elements: int
    math_errors: int
    needs_math: bool

    @property
    def ok(self) -> bool:
        return self.math_errors == 0 and (self.math_elements > 0 or not self.needs_math)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def check_page(browser: str, build: Path, page: str, shots: Path, needs_math: bool) -> PageCheck:
    """Screenshot one page and count MathJax's output in its rendered DOM.

    A page with an ``#anchor`` is shown scrolled to it: headless Chromium paints a page opened
    at an anchor before it has scrolled, so the page is loaded in a frame of a wrapper page
    (written to a temporary directory) and the wrapper is screenshotted."""
    path, _, anchor = page.partition("#")
    url = (build / path).resolve().as_uri()
    name = path.replace("/", "__").removesuffix(".html") + (f"__{anchor}" if anchor else "")
    shot = shots / (name + ".png")
    with tempfile.TemporaryDirectory() as profile:
        common = [browser, *FLAGS, f"--user-data-dir={profile}"]
        shown = url
        if anchor:
            wrapper = Path(profile) / "frame.html"
            wrapper.write_text(f'<!DOCTYPE html><body style="margin:0"><iframe src="{url}#{anchor}"'
                               ' style="width:1280px;height:1600px;border:0"></iframe></body>')
            shown = wrapper.as_uri()
        subprocess.run([*common, "--window-size=1280,1600", f"--screenshot={shot}", shown],
                       check=True, capture_output=True, timeout=120)
        dom = subprocess.run([*common, "--dump-dom", url], check=True, capture_output=True,
                             text=True, timeout=120).stdout
    return PageCheck(page, shot, dom.count("<mjx-container"), math_errors(dom), needs_math)


#: a math element whose TeX MathJax did not read (still its ``\(`` or ``\[`` delimiter)
_UNREAD = re.compile(r'class="math[^"]*">\s*\\[(\[]')


def math_errors(dom: str) -> int:
    """MathJax's errors in a rendered DOM: ``merror`` elements, undefined macros (red text)
    and formulas left unread."""
    return (dom.count("<merror") + dom.count("<mjx-merror") + dom.count('mathcolor="red"')
            + len(_UNREAD.findall(dom)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", default=str(HERE / "_build" / "html"))
    args = parser.parse_args(argv)
    build = Path(args.build)
    browser = _chromium()
    if browser is None:
        print("chromium not found: apt-get install chromium", file=sys.stderr)
        return 2
    shots = build.parent / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    failed = 0
    for page, needs_math in PAGES.items():
        path, _, anchor = page.partition("#")
        if not (build / path).exists():
            print(f"{page}: not built")
            failed += 1
            continue
        if anchor and f'id="{anchor}"' not in (build / path).read_text(encoding="utf-8"):
            print(f"{page}: no element with id {anchor!r} (the heading changed?)")
            failed += 1
            continue
        result = check_page(browser, build, page, shots, needs_math)
        print(f"{page}: {result.math_elements} rendered formulas, {result.math_errors} MathJax "
              f"errors, screenshot {result.screenshot} -> {'ok' if result.ok else 'FAILED'}")
        failed += not result.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
