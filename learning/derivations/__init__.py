"""Importable, machine-checked derivations of Sections 4-9.

Each function returns a :class:`~ntcore.derivation.Derivation`; call ``.verify()`` for a
per-step report and ``.to_latex()`` for LaTeX.

>>> from learning.derivations import gaussian_partition
>>> gaussian_partition().verify().ok
True
"""

from __future__ import annotations

from collections.abc import Callable

from ntcore.derivation import (
    AllOf,
    Approximation,
    Definition,
    Derivation,
    DerivationReport,
    Equal,
    Erratum,
    IntegrateByParts,
    Limit,
    Numeric,
    Outcome,
    Simplify,
    Step,
    StepReport,
    Substitute,
)

from .architecture import laplacian_and_two_level
from .ensemble import maximum_entropy
from .partition import gaussian_partition
from .thermodynamics import thermodynamic_relations
from .traces import layer_two_traces

#: name -> factory, in the paper's order (the names used by ``python -m learning derivation``)
DERIVATIONS: dict[str, Callable[[], Derivation]] = {
    "maximum-entropy": maximum_entropy,
    "gaussian-partition": gaussian_partition,
    "thermodynamics": thermodynamic_relations,
    "laplacian": laplacian_and_two_level,
    "traces": layer_two_traces,
}

__all__ = [
    "DERIVATIONS", "AllOf", "Approximation", "Definition", "Derivation", "DerivationReport",
    "Equal", "Erratum", "IntegrateByParts", "Limit", "Numeric", "Outcome", "Simplify", "Step",
    "StepReport", "Substitute", "gaussian_partition", "laplacian_and_two_level",
    "layer_two_traces", "maximum_entropy", "thermodynamic_relations",
]
