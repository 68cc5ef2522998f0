"""The import graph of the project's own modules, read from the source (physics-free).

Every ``import`` and ``from ... import`` statement of every module counts, wherever it stands
(module level, inside a function, under ``if TYPE_CHECKING``): a lazy import hides an
import cycle from the interpreter, not from the design.  Imports of a package's own
``__init__`` by its submodules are what Python does implicitly and are not edges.

:func:`import_graph` builds the module graph, :func:`import_cycles` lists its cycles,
:func:`package_graph` collapses it to packages (``learning.io``, ``emergent.cli``, ...) and
:func:`mermaid` draws that as a Mermaid flowchart for the documentation.

>>> from pathlib import Path
>>> root = Path(__file__).resolve().parents[1]
>>> graph = import_graph(root, ("ntcore",))
>>> "ntcore.checks" in graph and "ntcore.limits" in graph["ntcore.checks"]
True
>>> import_cycles(graph)
[]
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

from ntcore.checks import path_like

__all__ = ["LAYERING", "import_graph", "import_cycles", "layering_violations", "layer_groups",
           "package_graph", "layers", "mermaid", "text_diagram"]

#: The allowed imports between the project's top-level packages (besides each one's own
#: modules): ntcore is physics-free and imports neither; learning never imports emergent.
LAYERING: dict[str, tuple[str, ...]] = {"ntcore": (), "learning": ("ntcore",),
                                        "emergent": ("ntcore", "learning")}

Graph = dict[str, set[str]]


def _check_graph(graph: object) -> Mapping[str, set[str]]:
    if not isinstance(graph, Mapping) or not all(
            isinstance(k, str) and isinstance(v, set | frozenset) for k, v in graph.items()):
        raise TypeError(f"graph must be a mapping of module names to sets of module names "
                        f"(import_graph), got {type(graph).__name__}")
    return graph


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _targets(node: ast.AST, module: str, is_package: bool, known: set[str]) -> Iterable[str]:
    """The project modules one import statement names (``from a import b`` is ``a.b`` when
    that is a module, else ``a``)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: resolve against this module's package
            package = module.split(".") if is_package else module.split(".")[:-1]
            package = package[:len(package) - (node.level - 1)]
            base = ".".join(package + ([base] if base else []))
        for alias in node.names:
            full = f"{base}.{alias.name}"
            yield full if full in known else base


def import_graph(root: str | Path, packages: Iterable[str]) -> Graph:
    """``{module: the project modules it imports}`` for every ``.py`` file of ``packages``
    under ``root`` (module names dotted, packages by their own name)."""
    root = Path(path_like("root", root))
    if isinstance(packages, str) or not all(isinstance(p, str) for p in packages):
        raise TypeError(f"packages must be a sequence of package names, got {packages!r:.60}")
    missing = [p for p in packages if not (root / p).is_dir()]
    if missing:
        raise ValueError(f"packages must be directories under root {root}: {missing} are not")
    files = {_module_name(root, p): p for pkg in packages
             for p in sorted((root / pkg).rglob("*.py"))}
    known = set(files)
    graph: Graph = {}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            for target in _targets(node, module, is_package, known):
                # the nearest project module named (a.b.c may be a name inside module a.b)
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target and target != module and not module.startswith(target + "."):
                    edges.add(target)
        graph[module] = edges
    return graph


def import_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted:
    every import cycle lies inside one of them.

    Examples
    --------
    >>> import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    [['a', 'b', 'c']]
    >>> import_cycles({"a": {"b"}, "b": set()})
    []
    """
    graph = _check_graph(graph)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def _package_of(module: str, graph: Mapping[str, set[str]]) -> str:
    """The package a module belongs to: itself if it is a package with modules below it,
    else its parent (``learning.bulk_minimum.driver`` -> ``learning.bulk_minimum``)."""
    if any(m.startswith(module + ".") for m in graph):
        return module
    return module.rpartition(".")[0] or module


def layer_groups(graph: Mapping[str, set[str]]) -> dict[str, str]:
    """The node of the package diagram each module belongs to: its package
    (:func:`_package_of`); a ``__main__`` module joins its package's ``cli``; a module that sits
    above a subpackage of its own package (``learning.analysis`` imports
    ``learning.bulk_minimum``, which imports ``learning.septuple``) is a node of its own, and
    so is every module above such a node, so that the diagram has no cycle the modules lack."""
    graph = _check_graph(graph)
    group = {}
    for module in graph:
        package = _package_of(module, graph)
        if module.endswith(".__main__") and module.rpartition(".")[0] + ".cli" in graph:
            package = module.rpartition(".")[0] + ".cli"
        group[module] = package
    changed = True
    while changed:
        changed = False
        for module, targets in graph.items():
            own = _package_of(module, graph)
            if group[module] != own or module == own:
                continue
            if any(group[t] != own and group[t].startswith(own + ".") for t in targets):
                group[module] = module
                changed = True
    return group


def package_graph(graph: Mapping[str, set[str]]) -> Graph:
    """The module graph collapsed to the nodes of :func:`layer_groups`: an edge when any
    module of one imports any module of the other."""
    graph = _check_graph(graph)
    group = layer_groups(graph)
    out: Graph = {}
    for module, targets in graph.items():
        source = group[module]
        out.setdefault(source, set())
        for target in targets:
            if group[target] != source:
                out[source].add(group[target])
    return out


def mermaid(graph: Mapping[str, set[str]]) -> str:
    """A Mermaid ``flowchart`` of ``graph`` (an arrow a --> b: a imports b), nodes sorted."""
    graph = _check_graph(graph)
    def node(name: str) -> str:
        return name.replace(".", "_")

    lines = ["flowchart TD"]
    for source in sorted(graph):
        lines.append(f"    {node(source)}[{source}]")
    for source in sorted(graph):
        for target in sorted(graph[source]):
            lines.append(f"    {node(source)} --> {node(target)}")
    return "\n".join(lines)


def layering_violations(graph: Mapping[str, set[str]],
                        layering: Mapping[str, tuple[str, ...]] | None = None
                        ) -> list[tuple[str, str]]:
    """The imports ``(module, imported)`` between top-level packages that ``layering``
    (default :data:`LAYERING`) does not allow.

    Examples
    --------
    ``learning`` may not import ``emergent`` (:data:`LAYERING`):

    >>> layering_violations({"learning.x": {"emergent.y"}, "emergent.y": {"learning.x"}})
    [('learning.x', 'emergent.y')]
    """
    graph = _check_graph(graph)
    allowed = LAYERING if layering is None else layering
    out = []
    for module, targets in graph.items():
        top = module.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if other != top and other not in allowed.get(top, ()):
                out.append((module, target))
    return sorted(out)


def layers(graph: Mapping[str, set[str]]) -> dict[str, int]:
    """The layer of each node of an acyclic graph: 0 if it imports nothing of the graph, else
    one more than the highest layer it imports.

    Examples
    --------
    Each node one layer above the highest it imports:

    >>> layers({"a": {"b"}, "b": set(), "c": {"a", "b"}})
    {'b': 0, 'a': 1, 'c': 2}
    """
    graph = _check_graph(graph)
    out: dict[str, int] = {}

    def depth(node: str, seen: tuple[str, ...]) -> int:
        if node in seen:
            raise ValueError(f"graph has an import cycle through {node}; layers need none")
        if node not in out:
            deps = [d for d in graph.get(node, ()) if d in graph]
            out[node] = 1 + max((depth(d, (*seen, node)) for d in deps), default=-1)
        return out[node]

    for node in graph:
        depth(node, ())
    return out


def text_diagram(graph: Mapping[str, set[str]]) -> str:
    """The package graph as text, bottom layer first: one line per node with the nodes it
    imports (``a  ->  b, c``); every arrow points to a lower layer.

    >>> print(text_diagram({"a": {"b"}, "b": set(), "c": {"a", "b"}}))
    layer 0  b
    layer 1  a  ->  b
    layer 2  c  ->  a, b
    """
    level = layers(graph)
    width = max(len(n) for n in graph)
    lines = []
    for node in sorted(graph, key=lambda n: (level[n], n)):
        head = f"layer {level[node]}  {node}"
        deps = sorted(graph[node], key=lambda n: (-level[n], n))
        lines.append(f"{head:<{width + 9}}  ->  {', '.join(deps)}" if deps else head)
    return "\n".join(lines)
