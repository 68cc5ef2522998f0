"""Activation maps f of the neural septuple (Section 2, eqs. (2.5)-(2.6), (10.4)).

An activation acts component-wise, ``f_i(y) = f_i(y_i)`` (2.6).  Each
:class:`Activation` knows its function ``f``, its derivative ``f'`` (the diagonal
of the matrix f' of (5.4)), its range (the domain of the state vector, which
bounds the integrals (5.7)), and, where it exists, its inverse (used to satisfy
the input-bias condition (2.8)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Activation",
    "TANH",
    "SIGMOID",
    "RELU",
    "LINEAR",
    "get_activation",
    "ACTIVATIONS",
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
        ``f^{-1}(x)`` on the range, or ``None``. Used for the input bias (2.8).
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
    s = np.exp(-2.0 * np.abs(y))
    return 4.0 * s / (1.0 + s) ** 2


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

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (TANH, SIGMOID, RELU, LINEAR)}


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
