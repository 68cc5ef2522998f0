"""Pages of the documentation site generated from the code at build time (called by conf.py).

* ``_generated/derivations.md``: every registered derivation, its per-step verification report
  and its LaTeX from :meth:`ntcore.derivation.Derivation.to_latex` (rendered by MathJax, not
  pasted: the page changes when the code does).
* ``_generated/equations.md``: the equation index (:mod:`equation_index`).
* ``_generated/verdicts-<group>.md``: the verdicts of the paper pages (``docs/_paper_verdicts.py``).
* ``_generated/<name>.md``: the output of the commands that judge the paper's claims, run at
  build time with fast settings where they have them, so every verdict shown on the section
  pages is the one the code computes today.

Each file is written only if its text changed, so an unchanged page is not rebuilt.
"""

from __future__ import annotations

import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

# docs/equation_index.py: conf.py puts docs/ on sys.path; a test that runs this file with
# runpy does not, so this file does it itself
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _paper_verdicts  # noqa: E402
import equation_index  # noqa: E402

#: name -> (command after ``python -m``, what it shows); run from a scratch directory
COMMANDS: dict[str, tuple[list[str], str]] = {
    "figure1": (["learning", "figure1", "--out", "{out}/figure1.png"],
                "Section 9: the two-level model (9.3) and its extrema against (9.4)"),
    "section11": (["emergent", "--out", "{out}/section11"],
                  "Section 11: constrained diffusion and the Schrödinger equation on grids"),
    "section10": (["learning", "reproduce", "--quick", "--executor", "serial", "--out",
                   "{out}/section10"],
                  "Section 10: the MNIST experiments, quick run (60 updates, 1 seed, 300 samples)"),
    "onsager": (["emergent", "onsager", "--dim", "3", "--jets", "2"],
                "Section 12: the Onsager tensor (12.9) against Einstein-Hilbert, D = 3"),
}


def _write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def derivations_page() -> str:
    """All derivations of :mod:`learning.derivations` and :mod:`emergent.derivations`."""
    from emergent.derivations import DERIVATIONS as EMERGENT
    from learning.derivations import DERIVATIONS as LEARNING

    parts = ["# The derivations, rendered and verified at build time", "",
             "Each block below is produced while the site is built: `verify()` runs every "
             "step's check (the report's first column is the step's status) and "
             "`to_latex()` renders the chain. Import them with "
             "`from learning.derivations import ...` (Sections 4-9) or "
             "`from emergent.derivations import ...` (Sections 11-12); print them with "
             "`python -m learning derivation NAME --latex`.", ""]
    for package, registry in (("learning.derivations", LEARNING),
                              ("emergent.derivations", EMERGENT)):
        for name, factory in registry.items():
            derivation = factory()
            report = derivation.verify()
            parts += [f"## `{name}`: {derivation.title}", "",
                      f"`{package}.{factory.__name__}()`; "
                      f"`python -m {package.split('.')[0]} derivation {name}`.", "",
                      derivation.to_latex(), "", "Verification report:", "", "```text",
                      _paper_verdicts.wrap_report(report.to_text()), "```", ""]
    return "\n".join(parts)


def command_page(name: str, out: Path) -> str:
    """Run one judging command and return its output as a Markdown page."""
    argv, title = COMMANDS[name]
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    args = [a.format(out=figures) for a in argv]
    env = dict(os.environ, NT_EXAMPLES_FAST="1", MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          env=env, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"python -m {' '.join(args)} failed ({done.returncode}):\n"
                           f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    shown = " ".join(a.replace(str(figures), "results") for a in args)
    return (f"# {title}\n\nOutput of `python -m {shown}`, run while this site was built:\n\n"
            f"```text\n{done.stdout.rstrip().replace(str(figures), 'results')}\n```\n")


PACKAGES = ("learning", "emergent", "ntcore")


def public_modules() -> list[str]:
    """Every public module of the three packages (no name part starts with ``_``)."""
    names = []
    for package in PACKAGES:
        names.append(package)
        root = equation_index.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=package + "."):
            if not any(part.startswith("_") for part in info.name.split(".")):
                names.append(info.name)
    return sorted(names)


def api_pages(docs: Path) -> None:
    """One page per public module (``docs/api/<module>.md``) and the index that lists them.

    A package's page shows its docstring and its submodules; a module's page documents its
    members (``__all__`` where the module defines it, else what it defines).
    """
    out = docs / "api"
    modules = public_modules()
    for name in modules:
        is_package = hasattr(equation_index.import_module(name), "__path__")
        # documented members only: a dataclass's fields are listed once, by its docstring's
        # Attributes section (undoc-members would add each field again)
        # a subpackage that states its public API (``__all__``, e.g. learning.bulk_minimum)
        # documents those names where users import them from
        module = equation_index.import_module(name)
        states_api = "." in name and hasattr(module, "__all__")
        options = ":no-members:" if is_package and not states_api else ":members:"
        _write_if_changed(out / f"{name}.md",
                          f"# `{name}`\n\n```{{eval-rst}}\n.. automodule:: {name}\n"
                          f"   {options}\n```\n")
    _write_if_changed(out / "index.md", api_index(modules))


#: the groups of sections a reader looks for, and their titles
SECTION_GROUPS = {(2, 3): "the septuple and its losses", (4, 5): "ensembles and Z",
                  (6, 7): "equilibrium and the laws of learning",
                  (8, 9): "architecture, deep vs shallow", (10, 10): "the MNIST experiments",
                  (11, 11): "entropic mechanics", (12, 12): "emergent gravity"}


def _summary(module) -> str:
    """The first sentence of a module's docstring, reST roles and literals as Markdown code,
    ``:math:`` as Markdown math."""
    paragraph = " ".join((module.__doc__ or "").strip().split("\n\n")[0].split())
    # a sentence ends at ". " before a capital, not after "eq." / "eqs." / "e.g." / "i.e."
    sentence = re.split(r"(?<!\beq)(?<!\beqs)(?<!e\.g)(?<!i\.e)\.\s+(?=[A-Z])", paragraph,
                        maxsplit=1)[0].rstrip(".:") + "."
    # math stays math (MyST's $...$; a bar as \vert, so that a table cell does not end there)
    sentence = re.sub(r":math:`([^`]*)`", lambda m: "$" + m.group(1).replace("|", r"\vert ") + "$",
                      sentence)
    sentence = re.sub(r":\w+:`~?([^`]*?)`", lambda m: f"`{m.group(1).split('.')[-1]}`", sentence)
    return sentence.replace("``", "`")


def _sections_cited(module) -> set[int]:
    texts = [module.__doc__ or ""] + [getattr(obj, "__doc__", None) or ""
                                      for obj in vars(module).values()
                                      if getattr(obj, "__module__", None) == module.__name__]
    known = equation_index.paper_equations()
    return {int(n.split(".")[0]) for n in equation_index.cited_numbers("\n".join(texts), known)}


_BAR = "\\|"  # a bar inside a Markdown table cell, escaped

#: the concepts a reader looks for, each with the modules (or subpackages) that implement it;
#: a module goes to the first concept that names it or a package above it
CONCEPTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The neural septuple and feedforward networks (Section 2)",
     ("learning.septuple", "learning.septuple_checks", "learning.feedforward",
      "learning.activations", "learning.layered_weights")),
    ("Losses and the constrained bulk minimum (Section 3)",
     ("learning.losses", "learning.bulk_minimum")),
    ("Ensembles and the partition function (Sections 4-5)", ("learning.ensemble",)),
    ("The operator G and its spectrum (Sections 5, 9, 10)",
     ("learning.spectrum", "learning.jacobian", "learning.spectral_estimates",
      "learning.spectral_density", "learning.lanczos", "learning.two_sided",
      "learning.slq_executor", "learning.blas", "learning.threads")),
    ("Thermodynamics and the laws of learning (Sections 6-7)",
     ("learning.thermodynamics", "learning.laws")),
    ("Architecture, deep against shallow (Sections 8-9)", ("learning.architecture",)),
    ("Networks beyond MLPs: graph septuples", ("learning.graph",)),
    ("Your own network: reading and analysing it",
     ("learning.io", "learning.analysis", "learning.analysis_spectrum",
      "learning.analysis_report")),
    ("Your own training run: recording it and testing the laws", ("learning.track",)),
    ("The MNIST experiments (Section 10)", ("learning.experiments",)),
    ("Entropic mechanics (Section 11)",
     ("emergent.grids", "emergent.fokker_planck", "emergent.schrodinger",
      "emergent.constraints", "emergent.entropic_action", "emergent.candidate_paths",
      "emergent.derivation_audit",
      "emergent.nelson")),
    ("The Section 11 experiments: the figures and tables of python -m emergent",
     ("emergent.experiments",)),
    ("Emergent gravity: the Onsager tensor (Section 12)",
     ("emergent.metrics", "emergent.jets", "emergent.curvature", "emergent.abstract_indices",
      "emergent.variational", "emergent.onsager", "emergent.onsager_all_dimensions",
      "emergent.all_dimensions_verdict", "emergent.tensor_canonical",
      "emergent.derivation_all_dimensions")),
    ("Machine-checked derivations", ("learning.derivations", "emergent.derivations",
                                     "ntcore.derivation", "ntcore.expressions",
                                     "ntcore.latex_lines")),
    ("Command-line front ends", ("learning.cli", "emergent.cli", "ntcore.derivation_cli")),
    ("The packages", ("learning", "emergent", "ntcore")),
)


def concept_of(module: str) -> str:
    """The title of the first concept of :data:`CONCEPTS` that lists ``module`` or a package
    above it; ``"Checks, verdicts, files and other infrastructure"`` for the rest.

    >>> concept_of("learning.bulk_minimum.dense"), concept_of("emergent.cli.onsager")
    ('Losses and the constrained bulk minimum (Section 3)', 'Command-line front ends')
    >>> concept_of("learning"), concept_of("ntcore.verdict")
    ('The packages', 'Checks, verdicts, files and other infrastructure')
    """
    for title, names in CONCEPTS:
        if any(module == n or (module.startswith(n + ".") and n.count(".")) for n in names):
            return title
    return "Checks, verdicts, files and other infrastructure"


def api_index(modules: list[str]) -> str:
    """The API index: modules by section group of the paper, then by concept
    (:data:`CONCEPTS`), each with the first sentence of its docstring."""
    loaded = {name: equation_index.import_module(name) for name in modules}
    parts = ["# API reference", "",
             f"Generated from the docstrings of every public module ({len(modules)} in all). "
             "Each function cites the equations it implements and links them to the "
             "[equation index](../_generated/equations.md).", "", "## By section of the paper",
             ""]
    cited = {name: _sections_cited(module) for name, module in loaded.items()}
    for (first, last), title in SECTION_GROUPS.items():
        names = [n for n in modules if cited[n] & set(range(first, last + 1))]
        span = f"{first}" if first == last else f"{first}-{last}"
        parts += [f"### Sections {span}: {title}" if first != last else
                  f"### Section {span}: {title}", ""]
        parts += [f"- [`{n}`]({n}.md): {_summary(loaded[n])}" for n in names] + [""]
    parts += ["## By concept", ""]
    groups: dict[str, list[str]] = {}
    for n in modules:
        groups.setdefault(concept_of(n), []).append(n)
    order = [title for title, _ in CONCEPTS if title in groups]
    for title in order + [t for t in groups if t not in order]:
        parts += [f"### {title}", "", "| module | what it is |", "| --- | --- |"]
        parts += [f"| [`{n}`]({n}.md) | {_summary(loaded[n]).replace('|', _BAR)} |"
                  for n in groups[title]] + [""]
    toc = "\n".join(modules)
    return "\n".join(parts) + f"\n```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toc}\n```\n"


def write_all(docs: Path) -> None:
    """Write every generated page under ``docs/_generated`` and ``docs/api``."""
    api_pages(docs)
    out = docs / "_generated"
    _write_if_changed(out / "derivations.md", derivations_page())
    _write_if_changed(out / "equations.md", equation_index.index_page(public_modules()))
    for name in COMMANDS:
        _write_if_changed(out / f"{name}.md", command_page(name, out))
    _paper_verdicts.write_all(out, _write_if_changed)
