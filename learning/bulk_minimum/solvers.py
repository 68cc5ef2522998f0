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
    not modified."""

    def __call__(self, problem: Problem, z0: NDArray[np.float64], options: Options
                 ) -> SolverRun: ...


#: The solvers by the name ``solver=`` takes (after ``"auto"`` has chosen).
SOLVERS: dict[str, Solver] = {"dense": dense_newton, "matrix_free": newton_cg}
