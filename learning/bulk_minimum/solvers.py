"""The solvers of (3.2) behind one step interface: each takes the problem, a start and the
options and returns a :class:`~learning.bulk_minimum.result.SolverRun`."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from learning.bulk_minimum.dense import dense_newton
from learning.bulk_minimum.newton_cg import newton_cg
from learning.bulk_minimum.options import Options
from learning.bulk_minimum.problem import Problem
from learning.bulk_minimum.result import SolverRun


class Solver(Protocol):
    """One run of a solver of (3.2) from the hidden states ``z0`` (rows = samples); ``z0`` is
    not modified.

    Examples
    --------
    Every registered solver leaves ``z0`` as it was, and they reach the same minimum:

    >>> from learning import boundary_state, feedforward
    >>> from learning.bulk_minimum.network import couplings_of
    >>> from learning.bulk_minimum.options import validate
    >>> net = feedforward((4, 3, 2), seed=0)
    >>> opts = validate(net, boundary_state(net, np.full(4, 0.5), np.array([0.8, -0.8])), None)
    >>> z0 = opts.start[:, net.hidden_indices]
    >>> kept = z0.copy()
    >>> runs = {name: solve(Problem(net, opts.xb, None, couplings_of(net), name == "dense"),
    ...                     z0, opts) for name, solve in SOLVERS.items()}
    >>> bool(np.array_equal(z0, kept))
    True
    >>> bool(np.allclose(runs["dense"].z, runs["matrix_free"].z, atol=1e-8))
    True
    """

    def __call__(self, problem: Problem, z0: NDArray[np.float64], options: Options
                 ) -> SolverRun: ...


#: The solvers by the name ``solver=`` takes (after ``"auto"`` has chosen).
SOLVERS: dict[str, Solver] = {"dense": dense_newton, "matrix_free": newton_cg}
