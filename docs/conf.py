"""Sphinx configuration of the neural-thermodynamics site.

Built offline (no network at build or view time): MathJax is served from the
``sphinx-mathjax-offline`` package, the theme (furo) bundles its assets, and no intersphinx
inventory is fetched. Build: ``python -m sphinx -W --keep-going -n -b html docs docs/_build/html``
(``bash .ci/checks docs``). Pages generated at build time (the derivations, the API reference,
the gallery) are written under ``docs/_generated/``, ``docs/api/`` and ``docs/gallery/``, which
are not committed.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import warnings
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import _build_pages  # noqa: E402  (docs/_build_pages.py: pages generated from the code)

project = "neural-thermodynamics"
author = "the neural-thermodynamics developers"
copyright = "2026, " + author
from learning import __version__ as release  # noqa: E402

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx-mathjax-offline",  # local MathJax 3: math renders without network
    "sphinx_gallery.gen_gallery",
]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
# myst.header: included Markdown parts keep their own levels; ref.python: a name exported by a
# package and defined in its submodule is documented in both places (the first is linked)
suppress_warnings = ["myst.header", "ref.python"]
exclude_patterns = ["_build", "errata", "results", "_generated/figures", "**/GALLERY_HEADER.rst",
                    "gallery/*.ipynb", "gallery/*.py", "gallery/*.md5", "gallery/*.json",
                    "gallery/*.zip"]
templates_path = ["_templates"]
html_theme = "furo"
html_title = f"neural-thermodynamics {release}"

# API reference: one page per public module (docs/api/, written by _build_pages.api_pages).
autodoc_default_options = {"show-inheritance": False}
# The adapters of learning.track import their framework at import time; where the docs are
# built without it, autodoc documents them against mocks.
autodoc_mock_imports = _build_pages.equation_index.MOCKED_IMPORTS
autodoc_typehints = "description"
# types only for what the docstring documents: a dataclass's fields appear once, under its
# Attributes, not again as constructor parameters
autodoc_typehints_description_target = "documented"
# aliases shown by name, not expanded (ArrayLike is a screen-long union)
autodoc_type_aliases = {"ArrayLike": "ArrayLike", "Array": "Array", "NDArray": "NDArray"}
autodoc_member_order = "bysource"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # dataclass fields: once, as fields of the class, not twice
# Types from NumPy/SciPy/SymPy/matplotlib cannot be resolved without intersphinx (no network);
# every reference to our own objects must resolve (-n makes a missing one an error).
nitpick_ignore_regex = [
    (r"py:.*", r"(np|numpy|npt|scipy|sp|sympy|matplotlib|mpl|einsteinpy|dask|tqdm|h5py|onnx|torch|"
               r"keras|lightning|safetensors|hypothesis|st|collections|typing|os|pathlib|enum|concurrent|types|"
               r"fractions|argparse|builtins|contextlib|numbers|dataclasses|abc)(\..*)?"),
    (r"py:.*", r"(Array|ArrayLike|NDArray|Path|PathLike|Callable|Iterable|Sequence|Mapping|"
               r"Iterator|Any|Literal|Self|optional|array_like|array|ndarray|sparse matrix|"
               r"LinearOperator|Figure|Axes|Expr|Symbol|Matrix|float64|callable|default|"
               r"int|float|str|bool|dict|list|tuple|None|object|type|complex|slice|"
               r"Strategy|SearchStrategy|Future|Executor|Client)\b.*"),
    (r"py:.*", r".*\bof\b.*|.*\bor\b.*|.*\bshape\b.*|.*[\(\)\[\]{},=].*|.*\s.*"),
    # aliases kept by name (autodoc_type_aliases) are forward references, not documented objects
    (r"py:.*", r"'?(ArrayLike|Array|NDArray)'?|TypeAliasForwardRef"),
    # private modules are not documented by design; SciPy's factorisation objects
    (r"py:.*", r"(.*\.)?_\w+|SuperLU|Fraction"),
    # shape names inside a NumPy type, e.g. "array (n_walkers, K)", split by napoleon
    (r"py:class", r"n_\w+|[A-Z]|N|n|shape"),
    # "a, b : float" attribute lists: napoleon reads the second name as a type; our classes are
    # CamelCase, so a lower-case or subscripted identifier in a type is such a name
    (r"py:class", r"[a-z_][a-z0-9_]*|[A-Z]_\w+|\*\w+|/.*|Size|probes|col2im"),
    # modules named by docstrings before they land or after they moved
    (r"py:mod", r"learning\.(jacobian|graph\.builder|graph\.septuple)"),
    # undocumented internals that docstrings name (module constants, private dataclasses)
    (r"py:data", r"FIGURES|EFFECTIVE_LOG_THRESHOLD_WIDE"),
    (r"py:attr", r"(Couplings|WalkerResult|LoadedNetwork)\..*"),
    (r"py:func", r"ast\..*|emergent\._\w+\..*"),
    (r"py:func", r"learning\.layered_weights\.(left|right)_product"),
    (r"py:class", r"(learning\.bulk_minimum\.result\.)?SolverRun|space-time|-|[\d.]+"),
]

# The gallery: every script in examples/ is executed at build time (fast settings in CI,
# NT_EXAMPLES_FAST=1, stated on the gallery page) and shown with its output and figures.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "gallery",
    "filename_pattern": r".*\.py$",
    "ignore_pattern": r"^_",
    "plot_gallery": "True",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "capture_repr": ("_repr_html_", "__repr__"),
    "matplotlib_animations": False,
    "min_reported_time": 1,
    "write_computation_times": False,  # a build leaves the working tree clean
}
os.environ.setdefault("MPLBACKEND", "Agg")


def _format_warning(message, category, filename, lineno, line=None):  # noqa: ARG001
    """A warning an example raises, as the gallery page shows it: the file relative to the
    checkout, so that no page carries the build machine's paths."""
    path = Path(filename)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return f"{shown}:{lineno}: {category.__name__}: {message}\n"


warnings.formatwarning = _format_warning


def setup(app):  # noqa: D103 (Sphinx hook)
    app.connect("builder-inited", lambda app: _build_pages.write_all(HERE))
    app.connect("missing-reference", _short_name_reference)
    app.connect("autodoc-process-docstring", _name_colon_description, priority=100)
    app.connect("autodoc-process-docstring", _one_attribute_per_name, priority=101)
    app.connect("autodoc-process-docstring", _escape_docstring)
    app.connect("autodoc-process-docstring", _equation_links)


def _short_name_reference(app, env, node, contnode):
    """A docstring names a sibling by its short name (``:func:`truncated_cg```) where the page
    documenting it is the package's, or the package's name where the object is documented in
    its submodule: link to the one documented Python object whose full name ends with it."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip(".~")
    names = list(env.get_domain("py").objects)
    found = [name for name in names if name.endswith("." + target)]
    if not found and "." in target:  # the package's name for an object of its submodule
        root, last = target.split(".")[0], target.split(".")[-1]
        found = [name for name in names if name.endswith("." + last) and name.startswith(root)]
    here = (node.get("py:module") or "").rsplit(".", 1)[0]
    if len(found) > 1 and here:  # prefer the objects of the citing package
        found = [name for name in found if name.startswith(here + ".")] or found
    domain = env.get_domain("py")
    if len(found) > 1:  # a package's export and its submodule's original: the one on this page,
        here_page = [name for name in found if domain.objects[name].docname == node["refdoc"]]
        found = here_page if len(here_page) == 1 else sorted(found, key=lambda n: n.count("."))
        if len(found) > 1 and found[0].count(".") == found[1].count("."):
            return None  # else the package's (shortest) name; two of equal depth: ambiguous
    if not found:
        return None
    obj = domain.objects[found[0]]
    from sphinx.util.nodes import make_refnode
    return make_refnode(app.builder, node["refdoc"], obj.docname, obj.node_id, contnode,
                        found[0])


@functools.cache
def _errata_entries() -> dict[str, tuple[tuple[str, str], ...]]:
    """Equation number -> (heading, anchor) of the errata entries whose headings cite it."""
    import equation_index

    index: dict = defaultdict(equation_index.Entry)
    equation_index.errata_citations(set(equation_index.paper_equations()), index)
    return {number: tuple(entry.errata) for number, entry in index.items()}


def _link_text(heading: str) -> str:
    """An errata heading as the text of a reST link (markup characters give the number only)."""
    return heading if not re.search(r"[`$<>*|_\\]", heading) else heading.split(":")[0]


def _equation_links(app, what, name, obj, options, lines):  # noqa: ARG001 (Sphinx hook)
    """Each documented object links the equations its docstring cites to the equation index,
    where the tests, derivation steps and errata of each equation are listed, and to the
    errata entries of those equations directly."""
    import equation_index

    numbers = equation_index.cited_numbers("\n".join(lines), equation_index.paper_equations())
    if numbers and what in {"function", "class", "method"}:
        order = sorted(numbers, key=lambda n: tuple(map(int, n.split("."))))
        links = ", ".join(f"`({n}) <../_generated/equations.html#eq-{n.replace('.', '-')}>`__"
                          for n in order)
        lines += ["", f"*Equations:* {links} (code, tests and errata of each in the "
                  "equation index)."]
        errata = dict(entry for n in order for entry in _errata_entries().get(n, ()))
        if errata:
            lines += ["", "*Errata:* " + "; ".join(
                f"`{_link_text(heading)} <../errata.html#{anchor}>`__"
                for heading, anchor in errata.items()) + "."]


# Docstrings in this project are written for the terminal (``help()``) as much as for the site:
# they use |x| for absolute values, x_∂ and N_> for subscripts, b_* for Nelson's backward drift.
# reST reads those as substitutions, references and emphasis; escape them outside literals so
# the page shows what ``help()`` shows.
# kept as written: literals, roles (also over lines), math, *emphasis*/**strong** pairs, a leading
# bullet, literal blocks and ``.. math::`` blocks
_LITERAL = re.compile(r"(``.*?``|`[^`]*`_?|:[\w:]+:`[^`]*`|\$[^$]*\$|"
                      r"\*\*?[^\s*][^*]*?(?<!\s)\*\*?(?!\w)|^\s*[*-] )")
_ESCAPES = [(re.compile(r"\|"), r"\\|"),
            (re.compile(r"(?<=[^\s\\])_(?![\w`])"), r"\\_"),
            (re.compile(r"\*"), r"\\*")]


def _escape_plain_text(line: str) -> str:
    parts = _LITERAL.split(line)
    for i in range(0, len(parts), 2):  # even parts lie outside literals and roles
        for pattern, repl in _ESCAPES:
            parts[i] = pattern.sub(repl, parts[i])
    return "".join(parts)


def _headings_to_rubrics(lines: list[str]) -> None:
    """A heading inside a docstring (``Conventions`` over dashes) becomes a rubric: a section
    would make a page-level label, and two modules with the same heading would collide."""
    for i in range(len(lines) - 1):
        title, rule = lines[i].strip(), lines[i + 1].strip()
        if title and len(rule) >= max(3, len(title) - 4) and set(rule) <= set("-=~^"):
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i], lines[i + 1] = f"{indent}.. rubric:: {title}", ""


_NAME_COLON = re.compile(r"^(\s*)([A-Za-z_][\w, ]*?) : (.+)$")


def _name_colon_description(app, what, name, obj, options, lines):  # noqa: ARG001
    """``name : a sentence.`` in a NumPy section means a description, not a type: move the
    sentence to its own indented line before napoleon reads the section (runs first)."""
    out = []
    for line in lines:
        m = _NAME_COLON.match(line)
        rhs = m.group(3) if m else ""
        if m and (rhs.rstrip().endswith(".") or len(rhs.split()) >= 5
                  or re.search(r"[=≈∂Σλμ]|\(\d+\.\d+\)", rhs)):
            out += [f"{m.group(1)}{m.group(2)}", f"{m.group(1)}    {rhs}"]
        else:
            out.append(line)
    lines[:] = out


_NAMES = re.compile(r"^(\s*)([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)+)(\s*:\s*.*)?$")


def _is_heading(lines: list[str], i: int) -> bool:
    rule = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return bool(lines[i].strip()) and len(rule) >= 3 and set(rule) <= set("-=~^")


def _one_attribute_per_name(app, what, name, obj, options, lines):  # noqa: ARG001
    """``lower, upper`` in an Attributes section: one entry per name, each with the shared
    type and description (napoleon makes ``:ivar lower, upper:`` of it, which Sphinx reads as
    the variable ``upper`` of type ``lower,``). Runs after :func:`_name_colon_description`."""
    out: list[str] = []
    section, i = "", 0
    while i < len(lines):
        if _is_heading(lines, i):
            section = lines[i].strip()
        m = _NAMES.match(lines[i]) if section == "Attributes" else None
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent, names, kind = m.group(1), m.group(2), m.group(3) or ""
        j = i + 1  # the description: the following lines indented deeper (or blank)
        while j < len(lines) and (not lines[j].strip() or
                                  len(lines[j]) - len(lines[j].lstrip()) > len(indent)):
            j += 1
        for each in (n.strip() for n in names.split(",")):
            out += [f"{indent}{each}{kind}", *lines[i + 1:j]]
        i = j
    lines[:] = out


_MULTILINE_ROLE = re.compile(r":[\w:]+:`[^`]*\n[^`]*`")
_HIDDEN = re.compile("\x00(\\d+)\x00")


def _hide_multiline_roles(lines: list[str]) -> list[str]:
    """A role that runs over lines (``:math:`a_{b}`` broken after ``a``) is out of sight of the
    line-by-line escaping: each of its pieces becomes a placeholder, returned for the restore."""
    hidden: list[str] = []

    def hide(match: re.Match) -> str:
        out = []
        for j, piece in enumerate(match.group(0).split("\n")):
            lead = piece[: len(piece) - len(piece.lstrip())] if j else ""
            hidden.append(piece[len(lead):])
            out.append(f"{lead}\x00{len(hidden) - 1}\x00")
        return "\n".join(out)

    lines[:] = _MULTILINE_ROLE.sub(hide, "\n".join(lines)).split("\n")
    return hidden


def _escape_docstring(app, what, name, obj, options, lines):  # noqa: ARG001 (Sphinx hook)
    _headings_to_rubrics(lines)
    hidden = _hide_multiline_roles(lines)
    literal_indent = None
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if literal_indent is not None and stripped and indent <= literal_indent:
            literal_indent = None
        is_math = stripped.startswith(".. math::")  # TeX follows: kept as written
        if literal_indent is None and not is_math and not stripped.startswith(">>>") and \
                not stripped.startswith("..."):
            lines[i] = _escape_plain_text(line)
        if is_math or (stripped.endswith("::") and not stripped.startswith("..")):
            literal_indent = indent
    lines[:] = [_HIDDEN.sub(lambda m: hidden[int(m.group(1))], line) for line in lines]
