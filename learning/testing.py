"""Hypothesis strategies for property-based tests of the thermodynamics of learning.

Compose them in your own tests::

    from hypothesis import given
    from learning.testing import feedforward_networks, inverse_temperatures

    @given(net=feedforward_networks(depth=3), beta=inverse_temperatures())
    def test_my_identity(net, beta): ...

All strategies draw small networks (so tests stay fast) with finite, moderate weights.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from learning.activations import get_activation
from learning.feedforward import feedforward
from learning.septuple import Septuple
from learning.spectrum import GSpectrum, g_spectrum, spectrum_from_eigenvalues

__all__ = [
    "layer_sizes",
    "feedforward_networks",
    "septuples",
    "mean_states",
    "spectra",
    "eigenvalue_spectra",
    "inverse_temperatures",
    "QUICK",
]

#: Hypothesis settings for a quick, reproducible property check (10 examples, derandomised,
#: no deadline or example database), as the examples below use them.
QUICK = settings(max_examples=10, derandomize=True, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))


def _check_width(max_width: int) -> None:
    if isinstance(max_width, bool) or not isinstance(max_width, int) or max_width < 1:
        raise ValueError(f"max_width must be an integer >= 1, got {max_width!r}")


def layer_sizes(depth: int | None = None, max_width: int = 6) -> st.SearchStrategy[tuple]:
    """Layer sizes of a feedforward network; ``depth`` = number of layers L (>= 2).

    Examples
    --------
    >>> from hypothesis import given
    >>> @QUICK
    ... @given(layer_sizes(depth=3, max_width=4))
    ... def check(sizes):
    ...     assert len(sizes) == 3 and all(1 <= n <= 4 for n in sizes)
    >>> check()
    """
    if depth is not None and depth < 2:
        raise ValueError(f"depth must be >= 2, got {depth}")
    _check_width(max_width)
    lengths = st.just(depth) if depth is not None else st.integers(2, 5)
    return lengths.flatmap(
        lambda n: st.lists(st.integers(1, max_width), min_size=n, max_size=n).map(tuple))


def feedforward_networks(depth: int | None = None, max_width: int = 6,
                         activation: str = "tanh") -> st.SearchStrategy[Septuple]:
    """Layered septuples from :func:`learning.feedforward.feedforward` with random scales.

    Examples
    --------
    A property any of them has: the fixed point x̄ (2.9) is left unchanged by a step (2.5).

    >>> from hypothesis import given
    >>> import numpy as np
    >>> from learning.feedforward import forward_state
    >>> from learning.septuple import boundary_state, step
    >>> @QUICK
    ... @given(feedforward_networks(depth=3))
    ... def check(net):
    ...     x = np.zeros(net.input_indices.size)
    ...     xbar = forward_state(net, x)
    ...     xb = boundary_state(net, x, np.zeros(net.output_indices.size))
    ...     assert np.allclose(step(net, xbar, xb), xbar)
    >>> check()
    """
    sizes = layer_sizes(depth, max_width)  # checks depth and max_width now, not when drawn
    get_activation(activation)
    return _feedforward_networks(sizes, activation)


@st.composite
def _feedforward_networks(draw, sizes_strategy: st.SearchStrategy[tuple],
                          activation: str) -> Septuple:
    sizes = draw(sizes_strategy)
    return feedforward(sizes, activation, seed=draw(st.integers(0, 2**32 - 1)),
                       weight_scale=draw(st.floats(0.1, 3.0)),
                       bias_scale=draw(st.floats(0.0, 1.0)))


def septuples(max_neurons: int = 6) -> st.SearchStrategy[Septuple]:
    """General (possibly recurrent) septuples with disjoint input/output sets.

    Examples
    --------
    >>> from hypothesis import given
    >>> @QUICK
    ... @given(septuples(max_neurons=5))
    ... def check(s):
    ...     assert s.n_neurons <= 5 and not set(s.input_indices) & set(s.output_indices)
    >>> check()
    """
    if isinstance(max_neurons, bool) or not isinstance(max_neurons, int) or max_neurons < 2:
        raise ValueError(f"max_neurons must be an integer >= 2, got {max_neurons!r}")
    return _septuples(max_neurons)


@st.composite
def _septuples(draw, max_neurons: int) -> Septuple:
    n = draw(st.integers(2, max_neurons))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w = draw(st.floats(0.1, 2.0)) * rng.normal(size=(n, n)) / np.sqrt(n)
    n_in = draw(st.integers(1, n - 1))
    n_out = draw(st.integers(0, n - n_in))
    perm = rng.permutation(n)
    return Septuple(w, rng.normal(size=n) * 0.3, "tanh", perm[:n_in],
                    perm[n_in:n_in + n_out])


def mean_states(septuple: Septuple) -> st.SearchStrategy[np.ndarray]:
    """Ensemble-averaged states <x> inside the activation's range.

    Examples
    --------
    >>> from hypothesis import given
    >>> import numpy as np
    >>> from hypothesis import strategies as st
    >>> @QUICK
    ... @given(st.data())
    ... def check(data):
    ...     net = data.draw(feedforward_networks(depth=2, activation="tanh"))
    ...     x = data.draw(mean_states(net))
    ...     assert x.shape == (net.n_neurons,) and np.all(np.abs(x) < 1)
    >>> check()
    """
    if not isinstance(septuple, Septuple):
        raise TypeError(f"septuple must be a Septuple, got {type(septuple).__name__}")
    return _mean_states(septuple)


@st.composite
def _mean_states(draw, septuple: Septuple) -> np.ndarray:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.uniform(-0.95, 0.95, septuple.n_neurons)


def spectra(depth: int | None = None) -> st.SearchStrategy[GSpectrum]:
    """Spectra of G (5.6) of random feedforward networks (so det G = 1, (7.7)).

    Examples
    --------
    Every drawn spectrum has det G = 1 (7.7):

    >>> from hypothesis import given
    >>> @QUICK
    ... @given(spectra(depth=3))
    ... def check(s):
    ...     assert abs(s.sum_log) < 1e-8
    >>> check()
    """
    return _spectra(feedforward_networks(depth))


@st.composite
def _spectra(draw, networks: st.SearchStrategy[Septuple]) -> GSpectrum:
    net = draw(networks)
    return g_spectrum(net, draw(mean_states(net)))


def eigenvalue_spectra(max_size: int = 30) -> st.SearchStrategy[GSpectrum]:
    """Arbitrary positive spectra (log λ in [-8, 8]), not tied to any network.

    Examples
    --------
    >>> from hypothesis import given
    >>> import numpy as np
    >>> @QUICK
    ... @given(eigenvalue_spectra(max_size=10))
    ... def check(s):
    ...     assert np.all(np.abs(np.log(s.eigenvalues)) <= 8 + 1e-12)
    >>> check()
    """
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
        raise ValueError(f"max_size must be an integer >= 1, got {max_size!r}")
    return st.lists(st.floats(-8, 8), min_size=1, max_size=max_size).map(
        lambda logs: spectrum_from_eigenvalues(np.exp(logs)))


def inverse_temperatures(min_value: float = 1e-3, max_value: float = 1e3) -> st.SearchStrategy:
    """β drawn log-uniformly in [min_value, max_value].

    Examples
    --------
    >>> from hypothesis import given
    >>> @QUICK
    ... @given(inverse_temperatures(0.1, 10.0))
    ... def check(beta):
    ...     assert 0.1 <= beta <= 10.0
    >>> check()
    """
    if not 0 < min_value < max_value:
        raise ValueError(f"need 0 < min_value < max_value, got min_value = {min_value}, "
                         f"max_value = {max_value}")
    return st.floats(np.log(min_value), np.log(max_value)).map(lambda t: float(np.exp(t)))
