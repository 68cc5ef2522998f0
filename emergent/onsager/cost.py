"""How long the exact-jet checks of Section 12 take, and the refusal of a request above
:data:`ntcore.limits.ONSAGER_MAX_SECONDS`, (12.9)-(12.14)."""

from __future__ import annotations

from ntcore import limits
from ntcore.checks import count, positive_number

__all__ = ["estimated_seconds", "check_jet_request"]


# Seconds per jet for the Euler-Lagrange basis and G^{ab} in dimension 4 on one quiet core
# (measured 0.17 s in D = 3, 0.84 s in D = 4 and 4.4 s in D = 5 under load 11 on 2 cores, and
# the whole command in D = 7 took 508 s under load 16 against an estimate of 440 s); the
# einsums over six indices inside a loop over (a, b) grow about as D^8.
_SECONDS_PER_JET_D4 = 0.5


def estimated_seconds(dim: int, n_jets: int) -> float:
    """Rough wall time of ``n_jets`` exact Euler-Lagrange evaluations in dimension ``dim``.

    >>> round(estimated_seconds(4, 4), 1)
    2.0

    Work of the (12.9)-(12.14) checks.
    """
    dim = count("dim", dim, minimum=2)
    n_jets = count("n_jets", n_jets, minimum=0)
    return _SECONDS_PER_JET_D4 * n_jets * (dim / 4) ** 8


def check_jet_request(dim: int, n_jets: int, max_seconds: float | None = None
                      ) -> tuple[int, int]:
    """Validate a request for ``n_jets`` exact jets in dimension ``dim`` (both whole numbers,
    dim >= 2, n_jets >= 1: zero jets would make every identity hold vacuously) and refuse one
    whose :func:`estimated_seconds` exceeds ``max_seconds`` (default
    :data:`ntcore.limits.ONSAGER_MAX_SECONDS`).

    >>> check_jet_request(4, 2)
    (4, 2)
    >>> check_jet_request(4, 0)
    Traceback (most recent call last):
    ...
    ValueError: n_jets must be an integer >= 1, got 0

    Guards the (12.9)-(12.14) checks.
    """
    dim = count("dim", dim, minimum=2)
    n_jets = count("n_jets", n_jets, minimum=1)  # zero jets would check nothing
    max_seconds = positive_number("max_seconds", limits.ONSAGER_MAX_SECONDS
                                  if max_seconds is None else max_seconds)
    est = estimated_seconds(dim, n_jets)
    if est > max_seconds:
        raise ValueError(f"dim = {dim} with {n_jets} jets would take about {est:.3g} s "
                         f"(> {max_seconds:g} s; the work grows as dim^8): use dim <= 6, or "
                         "fewer jets; in dimension D >= 3 the verdict does not change with D")
    return int(dim), int(n_jets)
