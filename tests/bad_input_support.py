"""Shared pieces of the bad-input tables (tests/test_bad_input.py and its per-package tables):
the :class:`Bad` entry and small valid fixtures, so that only the named argument is wrong."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np


# --- fixtures the bad calls use (small and valid, so only the named argument is wrong) -----
def _net():
    from learning.feedforward import feedforward

    return feedforward((2, 2), seed=0)


def _spectrum():
    from learning.spectrum import spectrum_from_eigenvalues

    return spectrum_from_eigenvalues([0.5, 2.0])


def _grid():
    from emergent.grids import Grid

    return Grid((64,), (20.0,))


def _constraints():
    from emergent.constraints import moment_constraints

    return moment_constraints(_grid())


def _path():
    from emergent.candidate_paths import frozen_gaussian_path

    return frozen_gaussian_path(_constraints(), 1.0, np.linspace(0, 1, 5), 1.2)


def _jet():
    from emergent.jets import random_jet

    return random_jet(3, seed=0)


def _metric_functions():
    """(funcs, coordinates) of a generic 2D metric, as the variational functions take them."""
    from emergent.variational import generic_metric

    _, xs, funcs = generic_metric(2)
    return funcs, xs


@dataclasses.dataclass(frozen=True)
class Bad:
    """``call(f)`` must raise ValueError/TypeError whose message contains ``argument``."""

    call: Callable[[Callable], object]
    argument: str
    owner: str = ""  # set when the owner's module does not refuse it yet (-> strict xfail)
    why: str = ""


