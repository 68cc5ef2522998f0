r"""Activation maps f of the neural septuple (Section 2, eqs. (2.5)-(2.6), (10.4)).

Besides tanh, sigmoid, relu and linear: GELU, SiLU/swish, softplus, leaky relu and ELU
(for networks beyond MLPs, docs/beyond_mlps.md), each component-wise with f' and f''.

An activation acts component-wise, :math:`f_i(\mathbf{y}) = f_i(y_i)` (2.6).  Each
:class:`Activation` knows its function ``f``, its derivative ``f'`` (the diagonal
of the matrix f' of (5.4)), its range (the domain of the state vector, which
bounds the integrals (5.7)), and, where it exists, its inverse (used to satisfy
the input-bias condition (2.8)).

Since (2.6) only asks f to act component-wise, f_i may differ from neuron to neuron: a
:class:`LayerwiseActivation` gives each block of consecutive neurons (a layer) its own
:class:`Activation`, as trained networks do (relu hidden layers, a linear output layer).
:func:`per_layer_activation` builds it with the convention of model files (one activation per
dense layer, acting on that layer's outputs) and returns a plain :class:`Activation` when
all layers share one, so a uniform network is computed exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

__all__ = [
    "Activation",
    "TANH",
    "SIGMOID",
    "RELU",
    "LINEAR",
    "GELU",
    "SILU",
    "SOFTPLUS",
    "leaky_relu",
    "elu",
    "get_activation",
    "graph_activation",
    "ACTIVATIONS",
    "ALL_ACTIVATIONS",
    "LayerwiseActivation",
    "per_layer_activation",
    "layer_activations",
]

ArrayFn = Callable[[NDArray[np.float64]], NDArray[np.float64]]


@dataclass(frozen=True)
class Activation:
    """A component-wise activation function f with its derivative and range.

    Parameters
    ----------
    name
        Identifier, e.g. ``"tanh"``.
    function
        ``f(y)``, vectorised over NumPy arrays.
    derivative
        ``f'(y) = df/dy``, vectorised; for tanh this is sech^2 y (10.4).
    lower, upper
        The range of ``f``; ``-inf``/``inf`` for unbounded sides.
    lower_closed, upper_closed
        Whether the range includes its end points (relu includes 0).
    inverse
        ``f⁻¹(x)`` on the range, or ``None``. Used for the input bias (2.8).
    second_derivative
        ``f''(y)``, or ``None``; lets the constrained bulk minimum (3.2) take exact
        Newton steps (Gauss-Newton is used without it).

    Examples
    --------
    >>> import numpy as np
    >>> from learning.activations import TANH
    >>> float(TANH.derivative(np.array(0.0)))
    1.0
    >>> TANH.lower, TANH.upper
    (-1.0, 1.0)
    """

    name: str
    function: ArrayFn
    derivative: ArrayFn
    lower: float = -np.inf
    upper: float = np.inf
    lower_closed: bool = False
    upper_closed: bool = False
    inverse: ArrayFn | None = None
    second_derivative: ArrayFn | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError("Activation.name must be a non-empty string")
        for attr in ("function", "derivative"):
            if not callable(getattr(self, attr)):
                raise TypeError(f"Activation.{attr} must be callable")
        for attr in ("inverse", "second_derivative"):
            if getattr(self, attr) is not None and not callable(getattr(self, attr)):
                raise TypeError(f"Activation.{attr} must be callable or None")
        if not self.lower < self.upper:
            raise ValueError(
                f"Activation range must satisfy lower < upper, got [{self.lower}, {self.upper}]"
            )

    def __call__(self, y: ArrayLike) -> NDArray[np.float64]:
        if y is None:
            raise TypeError(f"y must be an array of numbers, got None ({self.name})")
        try:
            arr = np.asarray(y, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"y must be an array of numbers, got {type(y).__name__} "
                            f"({self.name})") from None
        return self.function(arr)

    @property
    def bounded(self) -> bool:
        """True when both ends of the range are finite (then (5.7) is a finite box)."""
        return bool(np.isfinite(self.lower) and np.isfinite(self.upper))

    def restrict(self, neurons: slice | ArrayLike) -> Activation:
        """The activation of a subset of the neurons: f itself (every neuron has it).

        The counterpart of :meth:`LayerwiseActivation.restrict`, so that code can restrict
        either kind of f to the neurons it works on.
        """
        return self

    def in_range(self, x: ArrayLike, *, closure: bool = False) -> NDArray[np.bool_]:
        """Element-wise test ``x in range(f)`` (or in its closure), respecting open ends."""
        x = np.asarray(x, dtype=float)
        lo = x >= self.lower if (self.lower_closed or closure) else x > self.lower
        hi = x <= self.upper if (self.upper_closed or closure) else x < self.upper
        return lo & hi

    def check_in_range(self, x: ArrayLike, argument: str, *, closure: bool = False) -> None:
        """Raise ``ValueError`` naming ``argument`` if any entry lies outside the range.

        ``closure=True`` accepts the end points of an open range: clamped input data
        (2.4) are never produced by f, so e.g. a pixel at exactly 1 is a valid tanh input.
        """
        x = np.asarray(x, dtype=float)
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{argument} contains non-finite entries")
        bad = ~self.in_range(x, closure=closure)
        if np.any(bad):
            worst = x[bad].flat[0]
            lo = "[" if (self.lower_closed or closure) else "("
            hi = "]" if (self.upper_closed or closure) else ")"
            raise ValueError(
                f"{argument} has {int(bad.sum())} entries outside the range "
                f"{lo}{self.lower}, {self.upper}{hi} of the activation {self.name!r} "
                f"(e.g. {worst!r}); a neuron's state must lie in the range of f"
            )


def _sigmoid(y: NDArray[np.float64]) -> NDArray[np.float64]:
    # scipy.special.expit is overflow-safe for large |y|.
    from scipy.special import expit

    return expit(y)


def _sigmoid_derivative(y: NDArray[np.float64]) -> NDArray[np.float64]:
    s = _sigmoid(y)
    return s * (1.0 - s)


def _logit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    from scipy.special import logit

    return logit(x)


def _tanh_derivative(y: NDArray[np.float64]) -> NDArray[np.float64]:
    # sech^2 y of (10.4) as 4s/(1+s)^2 with s = exp(-2|y|): no overflow, and none of the
    # cancellation of 1 - tanh^2 y, which loses relative accuracy in the tails.
    # In place: the bulk minimum evaluates it on (samples x neurons) arrays every iteration.
    s = np.empty(np.shape(y))
    np.abs(y, out=s)
    s *= -2.0
    np.exp(s, out=s)
    t = np.add(s, 1.0, out=np.empty_like(s))
    np.square(t, out=t)
    s *= 4.0
    s /= t
    return s


def _tanh_second_derivative(y: NDArray[np.float64]) -> NDArray[np.float64]:
    return -2.0 * np.tanh(y) * _tanh_derivative(y)


def _sigmoid_second_derivative(y: NDArray[np.float64]) -> NDArray[np.float64]:
    s = _sigmoid(y)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def _zero(y: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.zeros_like(np.asarray(y, dtype=float))


def _relu_inverse(x: NDArray[np.float64]) -> NDArray[np.float64]:
    # Any y <= 0 maps to 0; choose y = 0 there, the identity elsewhere.
    return np.maximum(x, 0.0)


TANH = Activation(
    "tanh", np.tanh, _tanh_derivative, -1.0, 1.0, inverse=np.arctanh,
    second_derivative=_tanh_second_derivative,
)
SIGMOID = Activation("sigmoid", _sigmoid, _sigmoid_derivative, 0.0, 1.0, inverse=_logit,
                     second_derivative=_sigmoid_second_derivative)
RELU = Activation(
    "relu",
    lambda y: np.maximum(y, 0.0),
    lambda y: (np.asarray(y) > 0).astype(float),
    0.0,
    np.inf,
    lower_closed=True,
    inverse=_relu_inverse,
    second_derivative=_zero,
)
LINEAR = Activation(
    "linear", lambda y: np.array(y, dtype=float), np.ones_like, inverse=lambda x: np.array(x),
    second_derivative=_zero,
)



# ---- the smooth activations of modern networks (component-wise, so (2.6) holds) --------
def _phi(y: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.exp(-0.5 * np.square(y)) / np.sqrt(2.0 * np.pi)


def _minimum(derivative: ArrayFn, second: ArrayFn, function: ArrayFn, start: float) -> float:
    # Newton on f'(y) = 0 from a point near the minimum of a non-monotone f (GELU, SiLU).
    y = np.array(start)
    for _ in range(50):
        y = y - derivative(y) / second(y)
    return float(function(y))


def _gelu(y: NDArray[np.float64]) -> NDArray[np.float64]:
    return y * ndtr(y)


def _gelu_derivative(y: NDArray[np.float64]) -> NDArray[np.float64]:
    return ndtr(y) + y * _phi(y)


def _gelu_second(y: NDArray[np.float64]) -> NDArray[np.float64]:
    return _phi(y) * (2.0 - np.square(y))


def _silu(y: NDArray[np.float64]) -> NDArray[np.float64]:
    return y * _sigmoid(y)


def _silu_derivative(y: NDArray[np.float64]) -> NDArray[np.float64]:
    s = _sigmoid(y)
    return s * (1.0 + y * (1.0 - s))


def _silu_second(y: NDArray[np.float64]) -> NDArray[np.float64]:
    s = _sigmoid(y)
    return s * (1.0 - s) * (2.0 + y * (1.0 - 2.0 * s))


def _softplus_inverse(x: NDArray[np.float64]) -> NDArray[np.float64]:
    # log(e^x - 1) without overflow: x + log(1 - e^{-x}).
    return x + np.log(-np.expm1(-x))


#: GELU, y Φ(y) (the exact, erf form that PyTorch uses by default); not monotone, so its
#: range starts at its minimum and it has no inverse.
GELU = Activation("gelu", _gelu, _gelu_derivative,
                  _minimum(_gelu_derivative, _gelu_second, _gelu, -0.75), np.inf,
                  lower_closed=True, second_derivative=_gelu_second)
#: SiLU (swish), y σ(y).
SILU = Activation("silu", _silu, _silu_derivative,
                  _minimum(_silu_derivative, _silu_second, _silu, -1.3), np.inf,
                  lower_closed=True, second_derivative=_silu_second)
#: softplus, log(1 + e^y), with f' = σ(y).
SOFTPLUS = Activation("softplus", lambda y: np.logaddexp(0.0, y), _sigmoid, 0.0, np.inf,
                      inverse=_softplus_inverse, second_derivative=_sigmoid_derivative)


def _check_alpha(alpha: float, name: str) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.floating):
        raise TypeError(f"alpha of {name} must be a number, got {type(alpha).__name__}")
    if not np.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha of {name} must be finite and > 0, got {alpha}")
    return float(alpha)


@lru_cache(maxsize=64)
def leaky_relu(alpha: float = 0.01) -> Activation:
    """Leaky relu, f(y) = y for y > 0 and alpha y otherwise (alpha > 0, so f is invertible
    and the input bias (2.8) exists); f' is 1 or alpha, f'' = 0.

    The same alpha gives the same object, so per-layer activations merge (2.6).

    Examples
    --------
    >>> import numpy as np
    >>> leaky_relu(0.1)(np.array([-2.0, 3.0])).tolist()
    [-0.2, 3.0]
    >>> leaky_relu(0.1) is leaky_relu(0.1), leaky_relu().name
    (True, 'leaky_relu')
    """
    a = _check_alpha(alpha, "leaky_relu")
    return Activation(
        "leaky_relu" if a == 0.01 else f"leaky_relu(alpha={a:g})",
        lambda y: np.where(y > 0, y, a * y),
        lambda y: np.where(np.asarray(y) > 0, 1.0, a),
        inverse=lambda x: np.where(x > 0, x, x / a), second_derivative=_zero)


@lru_cache(maxsize=64)
def elu(alpha: float = 1.0) -> Activation:
    """ELU, f(y) = y for y > 0 and alpha (e^y - 1) otherwise; range (-alpha, inf),
    f' = 1 or alpha e^y, f'' = 0 or alpha e^y (taken from the left at 0).

    Examples
    --------
    >>> import numpy as np
    >>> f = elu(2.0)
    >>> bool(f.derivative(np.array(-1.0)) == 2.0 * np.exp(-1.0)), f.lower
    (True, -2.0)
    """
    a = _check_alpha(alpha, "elu")
    return Activation(
        "elu" if a == 1.0 else f"elu(alpha={a:g})",
        lambda y: np.where(y > 0, y, a * np.expm1(np.minimum(y, 0.0))),
        lambda y: np.where(y > 0, 1.0, a * np.exp(np.minimum(y, 0.0))), -a, np.inf,
        inverse=lambda x: np.where(x > 0, x, np.log1p(np.maximum(x, -a) / a)),
        second_derivative=lambda y: np.where(y > 0, 0.0, a * np.exp(np.minimum(y, 0.0))))


#: The activations that the chain readers and the Septuple files name (tanh sigmoid relu linear).
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (TANH, SIGMOID, RELU, LINEAR)}
#: Every named activation, including those of graph networks; "swish" is SiLU.
ALL_ACTIVATIONS: dict[str, Activation] = {
    **ACTIVATIONS, **{a.name: a for a in (GELU, SILU, SOFTPLUS, leaky_relu(), elu())},
    "swish": SILU}


def get_activation(activation: str | Activation) -> Activation:
    """Return the :class:`Activation` named ``activation`` (or ``activation`` itself).

    Examples
    --------
    >>> get_activation("tanh").name
    'tanh'
    """
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation.lower()]
        except KeyError:
            raise ValueError(
                f"activation {activation!r} is unknown; choose one of {sorted(ACTIVATIONS)} "
                "or pass an Activation"
            ) from None
    raise TypeError(f"activation must be a str or an Activation, got {type(activation).__name__}")


def graph_activation(activation: str | Activation) -> Activation:
    """Like :func:`get_activation`, also knowing the activations of graph networks
    (:data:`ALL_ACTIVATIONS`: gelu, silu/swish, softplus, leaky_relu, elu), (2.6).

    Examples
    --------
    >>> graph_activation("swish").name
    'silu'
    """
    if isinstance(activation, str) and activation.lower() in ALL_ACTIVATIONS:
        return ALL_ACTIVATIONS[activation.lower()]
    if isinstance(activation, str):
        raise ValueError(f"activation {activation!r} is unknown; choose one of "
                         f"{sorted(ALL_ACTIVATIONS)} or pass an Activation")
    return get_activation(activation)


Neurons = slice | ArrayLike


@dataclass(frozen=True, eq=False)
class LayerwiseActivation:
    """A component-wise f (2.6) whose function differs between blocks of neurons.

    f_i(y) = f_i(y_i) with f_i = ``activations[k]`` for the neurons i of block k, the
    blocks being ``sizes[0], sizes[1], ...`` consecutive neurons in order.  Everything that
    is per neuron in the paper (f, the diagonal f' of (5.4), f'' for the Newton steps of
    (3.2), the range of each x_i, the inverse for the input bias (2.8)) is applied block
    by block to the last axis of an array whose last axis has length N.

    Adjacent blocks with the same activation are merged, so equal maps compare equal; at
    least two different activations must remain (one f for every neuron is an
    :class:`Activation`; :func:`per_layer_activation` returns that case as one).

    Parameters
    ----------
    activations
        The f of each block: :class:`Activation` instances or names.
    sizes
        Positive block sizes; their sum is N.

    Examples
    --------
    >>> import numpy as np
    >>> f = LayerwiseActivation(("tanh", "linear"), (2, 1))
    >>> f.name, f.n_neurons
    ('tanh,linear', 3)
    >>> f(np.array([0.0, 10.0, 10.0])).tolist() == [0.0, float(np.tanh(10.0)), 10.0]
    True
    >>> f.restrict(slice(0, 2)).name, f.restrict([1, 2]).name
    ('tanh', 'tanh,linear')
    """

    activations: tuple[Activation, ...]
    sizes: tuple[int, ...]

    def __post_init__(self) -> None:
        acts = self.activations
        if isinstance(acts, (str, Activation)) or not isinstance(acts, Sequence):
            raise TypeError("activations must be a sequence of Activations or names, got "
                            f"{type(acts).__name__}")
        acts = tuple(get_activation(a) for a in acts)
        try:
            sizes = tuple(int(s) for s in self.sizes)
        except (TypeError, ValueError):
            raise TypeError(f"sizes must be a sequence of integers, got {self.sizes!r}") from None
        if len(sizes) != len(acts):
            raise ValueError(f"sizes has {len(sizes)} blocks but activations has {len(acts)}")
        if any(s <= 0 for s in sizes):
            raise ValueError(f"sizes must be positive, got {sizes}")
        merged_acts: list[Activation] = []
        merged_sizes: list[int] = []
        for act, size in zip(acts, sizes, strict=True):
            if merged_acts and merged_acts[-1] is act:
                merged_sizes[-1] += size
            else:
                merged_acts.append(act)
                merged_sizes.append(size)
        if len(merged_acts) < 2:
            raise ValueError(f"activations are all {acts[0].name!r}: one f for every neuron is "
                             "an Activation, not a LayerwiseActivation")
        object.__setattr__(self, "activations", tuple(merged_acts))
        object.__setattr__(self, "sizes", tuple(merged_sizes))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, LayerwiseActivation) and self.sizes == other.sizes
                and all(a is b for a, b in zip(self.activations, other.activations,
                                                  strict=True)))

    def __hash__(self) -> int:
        return hash((self.sizes, tuple(id(a) for a in self.activations)))

    def __repr__(self) -> str:
        return f"LayerwiseActivation({self.name!r}, sizes={self.sizes})"

    @property
    def name(self) -> str:
        """The blocks' names joined by commas, e.g. ``"relu,linear"``."""
        return ",".join(a.name for a in self.activations)

    @property
    def n_neurons(self) -> int:
        """N, the number of neurons f acts on."""
        return sum(self.sizes)

    @property
    def slices(self) -> tuple[slice, ...]:
        """The neuron indices of each block."""
        edges = np.concatenate([[0], np.cumsum(self.sizes)])
        return tuple(slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True))

    def _blockwise(self, fns: Sequence[ArrayFn], y: ArrayLike) -> NDArray[np.float64]:
        arr = np.asarray(y, dtype=float)
        if arr.ndim == 0 or arr.shape[-1] != self.n_neurons:
            raise ValueError(f"y must have a last axis of length N = {self.n_neurons} (one "
                             f"entry per neuron of {self.name!r}), got shape {arr.shape}")
        out = np.empty(arr.shape)
        for fn, s in zip(fns, self.slices, strict=True):
            out[..., s] = fn(arr[..., s])
        return out

    def __call__(self, y: ArrayLike) -> NDArray[np.float64]:
        if y is None:
            raise TypeError(f"y must be an array of numbers, got None ({self.name})")
        try:
            arr = np.asarray(y, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"y must be an array of numbers, got {type(y).__name__} "
                            f"({self.name})") from None
        return self.function(arr)

    def function(self, y: ArrayLike) -> NDArray[np.float64]:
        """f_i(y_i) for every neuron i (last axis)."""
        return self._blockwise([a.function for a in self.activations], y)

    def derivative(self, y: ArrayLike) -> NDArray[np.float64]:
        """f'_i(y_i), the diagonal of f' of (5.4), for every neuron i (last axis)."""
        return self._blockwise([a.derivative for a in self.activations], y)

    @property
    def second_derivative(self) -> ArrayFn | None:
        """y -> f''_i(y_i), or ``None`` when a block's activation has no f''."""
        fns = [a.second_derivative for a in self.activations]
        if any(fn is None for fn in fns):
            return None
        return lambda y: self._blockwise(fns, y)  # type: ignore[arg-type]

    @property
    def inverse(self) -> ArrayFn | None:
        """x -> f_i⁻¹(x_i) (the input bias (2.8)), or ``None`` when a block has none."""
        fns = [a.inverse for a in self.activations]
        if any(fn is None for fn in fns):
            return None
        return lambda x: self._blockwise(fns, x)  # type: ignore[arg-type]

    def _per_neuron(self, attribute: str) -> NDArray:
        """A range attribute of each block's activation, repeated over its neurons: ``(N,)``."""
        return np.repeat([getattr(a, attribute) for a in self.activations], self.sizes)

    @property
    def lower(self) -> NDArray[np.float64]:
        """The lower end of each neuron's range, shape ``(N,)``."""
        return self._per_neuron("lower")

    @property
    def upper(self) -> NDArray[np.float64]:
        """The upper end of each neuron's range, shape ``(N,)``."""
        return self._per_neuron("upper")

    @property
    def lower_closed(self) -> NDArray[np.bool_]:
        """Whether each neuron's range contains its lower end, shape ``(N,)``."""
        return self._per_neuron("lower_closed")

    @property
    def upper_closed(self) -> NDArray[np.bool_]:
        """Whether each neuron's range contains its upper end, shape ``(N,)``."""
        return self._per_neuron("upper_closed")

    @property
    def bounded(self) -> bool:
        """True when every neuron's range is bounded."""
        return all(a.bounded for a in self.activations)

    def in_range(self, x: ArrayLike, *, closure: bool = False) -> NDArray[np.bool_]:
        """Element-wise test that x_i lies in the range of f_i (last axis: the neurons)."""
        x = np.asarray(x, dtype=float)
        out = np.empty(x.shape, dtype=bool)
        if x.ndim == 0 or x.shape[-1] != self.n_neurons:
            raise ValueError(f"x must have a last axis of length N = {self.n_neurons}, got "
                             f"shape {x.shape}")
        for act, s in zip(self.activations, self.slices, strict=True):
            out[..., s] = act.in_range(x[..., s], closure=closure)
        return out

    def check_in_range(self, x: ArrayLike, argument: str, *, closure: bool = False) -> None:
        """Raise ``ValueError`` naming ``argument`` if some x_i lies outside the range of f_i.

        The last axis of ``x`` runs over the N neurons; the message names the block and its
        activation (see :meth:`Activation.check_in_range` for ``closure``).
        """
        x = np.asarray(x, dtype=float)
        if x.ndim == 0 or x.shape[-1] != self.n_neurons:
            raise ValueError(f"{argument} must have a last axis of length N = "
                             f"{self.n_neurons} for the activation {self.name!r}, got shape "
                             f"{x.shape}")
        for k, (act, s) in enumerate(zip(self.activations, self.slices, strict=True)):
            act.check_in_range(x[..., s], f"{argument} (neurons {s.start}..{s.stop - 1}, "
                               f"block {k})", closure=closure)

    def restrict(self, neurons: Neurons) -> Activation | LayerwiseActivation:
        """f on a subset of the neurons, in their order: an :class:`Activation` when they
        share one, else a :class:`LayerwiseActivation` of the subset's blocks.

        Parameters
        ----------
        neurons
            A slice (step 1) or increasing neuron indices (the order of the subset's
            last axis), e.g. the hidden neurons of a septuple.  For no neurons the first
            block's activation is returned (nothing is applied to it).
        """
        n = self.n_neurons
        if isinstance(neurons, slice):
            start, stop, step = neurons.indices(n)
            if step != 1:
                raise ValueError(f"neurons as a slice must have step 1, got {neurons}")
            idx = np.arange(start, stop)
        else:
            idx = np.asarray(neurons)
            if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
                raise TypeError(f"neurons must be a slice or a 1-D array of integer indices, "
                                f"got {idx.dtype} of shape {idx.shape}")
            if idx.size and (idx.min() < 0 or idx.max() >= n or np.any(np.diff(idx) <= 0)):
                raise ValueError(f"neurons must be increasing indices in 0..{n - 1}")
        edges = np.concatenate([[0], np.cumsum(self.sizes)])
        counts = np.diff(np.searchsorted(idx, edges))
        kept = [(a, int(c)) for a, c in zip(self.activations, counts, strict=True) if c > 0]
        if not kept:  # no neurons: any f is theirs (keeps callers free of special cases)
            return self.activations[0]
        if all(a is kept[0][0] for a, _ in kept):
            return kept[0][0]
        return LayerwiseActivation(tuple(a for a, _ in kept), tuple(c for _, c in kept))


def per_layer_activation(activations: Sequence[str | Activation],
                         layer_sizes: Sequence[int]) -> Activation | LayerwiseActivation:
    """f of a layered network from one activation per dense layer (the model-file convention).

    ``activations[l]`` is the map a file applies to the outputs of its dense layer l, i.e.
    f on the neurons of layer l + 1 (l = 0..L-2).  The input neurons (layer 0) take
    ``activations[0]``: they are clamped to the data by the input bias (2.8) and have no
    incoming weights (2.2), so their f' never enters G; their f only sets the range the
    input data must lie in and the inverse used by (2.8).

    Returns a plain :class:`Activation` when every layer has the same one.

    Examples
    --------
    >>> per_layer_activation(["tanh", "tanh"], (3, 4, 2)).name
    'tanh'
    >>> per_layer_activation(["relu", "relu", "linear"], (3, 4, 4, 2))
    LayerwiseActivation('relu,linear', sizes=(11, 2))
    """
    if isinstance(activations, (str, Activation)) or not isinstance(activations, Sequence):
        raise TypeError("activations must be a sequence of Activations or names (one per "
                        f"dense layer), got {type(activations).__name__}")
    acts = [get_activation(a) for a in activations]
    try:
        sizes = tuple(int(s) for s in layer_sizes)
    except (TypeError, ValueError):
        raise TypeError(f"layer_sizes must be a sequence of integers, got "
                        f"{layer_sizes!r}") from None
    if len(acts) != len(sizes) - 1:
        raise ValueError(f"activations must name one activation per dense layer, "
                         f"len(layer_sizes) - 1 = {len(sizes) - 1}, got {len(acts)}")
    if all(a is acts[0] for a in acts):
        return acts[0]
    return LayerwiseActivation(tuple([acts[0]] + acts), sizes)


def layer_activations(activation: Activation | LayerwiseActivation,
                      layer_sizes: Sequence[int]) -> tuple[Activation, ...]:
    """One activation per dense layer of a layered network: the inverse of
    :func:`per_layer_activation` (what a model file stores).

    Raises
    ------
    ValueError
        If f changes inside a layer, or the input layer's f differs from the first hidden
        layer's (a file cannot say it), or the sizes do not add up to f's N.

    Examples
    --------
    >>> f = per_layer_activation(["relu", "relu", "linear"], (3, 4, 4, 2))
    >>> [a.name for a in layer_activations(f, (3, 4, 4, 2))]
    ['relu', 'relu', 'linear']
    """
    try:
        sizes = tuple(int(s) for s in layer_sizes)
    except (TypeError, ValueError):
        raise TypeError(f"layer_sizes must be a sequence of integers, got "
                        f"{layer_sizes!r}") from None
    if len(sizes) < 2 or any(s <= 0 for s in sizes):
        raise ValueError(f"layer_sizes must be >= 2 positive sizes, got {sizes}")
    if isinstance(activation, Activation):
        return (activation,) * (len(sizes) - 1)
    if not isinstance(activation, LayerwiseActivation):
        raise TypeError(f"activation must be an Activation or a LayerwiseActivation, got "
                        f"{type(activation).__name__}")
    if sum(sizes) != activation.n_neurons:
        raise ValueError(f"layer_sizes {sizes} sum to {sum(sizes)}, but activation "
                         f"{activation.name!r} acts on N = {activation.n_neurons} neurons")
    edges = np.concatenate([[0], np.cumsum(sizes)])
    per_layer = []
    for l in range(len(sizes)):
        act = activation.restrict(slice(int(edges[l]), int(edges[l + 1])))
        if not isinstance(act, Activation):
            raise ValueError(f"activation {activation.name!r} changes inside layer {l} "
                             f"(sizes {activation.sizes} vs layer_sizes {sizes}): not one "
                             "activation per layer")
        per_layer.append(act)
    if per_layer[0] is not per_layer[1]:
        raise ValueError(f"the input layer's activation {per_layer[0].name!r} differs from "
                         f"the first dense layer's {per_layer[1].name!r}; one activation per "
                         "dense layer cannot say it")
    return tuple(per_layer[1:])
