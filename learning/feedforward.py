"""Layered feedforward septuples (Section 2, conditions (2.1)-(2.3); Section 10's networks).

Neurons are numbered layer by layer: the input layer first, the output layer last.
The global weight matrix w is then block-strictly-lower-triangular, with the only
non-zero blocks ``w[layer l+1, layer l]``; it is nilpotent with w^L = 0 (2.1), has
no incoming connections to inputs (2.2) and no outgoing ones from outputs (2.3).

Storage and the block API
-------------------------
:func:`feedforward` and :func:`from_layers` keep only the blocks (a
:class:`~learning.layered_weights.LayeredWeights`, dense ``ndarray`` or ``scipy.sparse``
per block): memory O(number of weights), never N^2.  ``septuple.weights`` forms the dense
N x N matrix on demand and refuses above ``ntcore.limits.DENSE_WEIGHTS_LIMIT_BYTES``.
Code that must scale uses the block API instead:

* :func:`layer_slices` ``(sizes) -> list[slice]``: neuron indices of each layer;
* :func:`layer_weights` ``(septuple) -> list[block]``: ``w_{l+1,l}`` of shape
  ``(n_{l+1}, n_l)``, read-only ``ndarray`` or ``scipy.sparse`` CSR array as stored;
* :func:`layer_biases` ``(septuple) -> list[ndarray]``: biases of layers 1..L-1;
* ``septuple.preactivation(x)`` (w x + b) and ``septuple.transpose_product(r)`` (w^T r),
  O(nnz w) for a state or a batch;
* ``septuple.layered_weights`` (the :class:`~learning.layered_weights.LayeredWeights`, with
  ``submatrix``, ``row_max_abs`` ...), and
  :func:`learning.spectral_estimates.g_linear_operator` for G.

Examples
--------
>>> net = feedforward((784, 40, 20, 10), seed=0)
>>> net.n_neurons, [blk.shape for blk in layer_weights(net)]
(854, [(40, 784), (20, 40), (10, 20)])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from learning.activations import (
    Activation,
    LayerwiseActivation,
    get_activation,
    per_layer_activation,
)
from learning.layered_weights import LayeredWeights
from learning.septuple import Septuple, activation_of
from ntcore.checks import seed_value

__all__ = [
    "feedforward",
    "from_layers",
    "layer_slices",
    "layer_weights",
    "layer_biases",
    "forward",
    "forward_state",
]

Array = NDArray[np.float64]


def _check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in sizes)
    except (TypeError, ValueError):
        raise TypeError(f"sizes must be a sequence of integers, got {sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, got {sizes}")
    if any(s <= 0 for s in sizes):
        raise ValueError(f"sizes: every layer size must be positive, got {sizes}")
    return sizes


def layer_slices(sizes: Sequence[int]) -> list[slice]:
    """Neuron-index slices of the layers, in order (input first).

    Examples
    --------
    >>> layer_slices((3, 2, 1))
    [slice(0, 3, None), slice(3, 5, None), slice(5, 6, None)]
    """
    sizes = _check_sizes(sizes)
    edges = np.concatenate([[0], np.cumsum(sizes)])
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


LayerActivations = str | Activation | LayerwiseActivation | Sequence[str | Activation]


def feedforward(sizes: Sequence[int], activation: LayerActivations = "tanh", *,
                seed: int | np.random.Generator | None = None, weight_scale: float = 1.0,
                bias_scale: float = 0.0, loss: str = "bulk") -> Septuple:
    r"""A random L-layer feedforward septuple with layer sizes ``sizes`` (L = len(sizes)).

    Each block ``w[l+1, l]`` has i.i.d. normal entries with standard deviation
    :math:`s / \sqrt{n_l}` with :math:`s` = ``weight_scale`` and :math:`n_l` the fan-in
    (:math:`s = 1` is LeCun's scale); biases of
    non-input neurons are normal with standard deviation ``bias_scale`` (0 by default);
    input biases are 0, the per-datum input bias being set by (2.8) when data enter.
    The result satisfies (2.1)-(2.3).

    Parameters
    ----------
    sizes
        Layer sizes, e.g. ``(784, 40, 20, 10)`` (deep) or ``(784, 60, 10)`` (shallow), both
        with N = 854 as in Section 10.
    activation
        f for every neuron (tanh by default, as in (10.4)); or one activation per dense
        layer, ``activation[l]`` acting on the neurons of layer l + 1 (see
        :func:`~learning.activations.per_layer_activation`; the inputs take
        ``activation[0]``).
    seed
        Seed or generator for the initialisation.
    weight_scale, bias_scale
        Initialisation scales (see above); must be finite and >= 0.
    loss
        The septuple's loss H, ``"bulk"`` or ``"boundary"``.

    Returns
    -------
    Septuple
        With ``input_indices`` the first layer, ``output_indices`` the last, and
        ``layer_sizes = sizes``.

    Examples
    --------
    The entries of each block have the standard deviation 1/√fan_in (LeCun's scale, within
    the sampling error of 31 360 draws), the biases are 0, and the input and output sets are
    the first and last layers:

    >>> import numpy as np
    >>> net = feedforward((784, 40, 20, 10), seed=0)
    >>> w10 = layer_weights(net)[0]
    >>> bool(abs(w10.std() * np.sqrt(784) - 1) < 0.02), bool(np.all(net.bias == 0))
    (True, True)
    >>> int(np.min(net.output_indices)), int(np.max(net.input_indices))
    (844, 783)
    """
    sizes = _check_sizes(sizes)
    for name, value in (("weight_scale", weight_scale), ("bias_scale", bias_scale)):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be finite and >= 0, got {value}")
    rng = np.random.default_rng(seed_value("seed", seed))
    weights = [rng.normal(0.0, weight_scale / np.sqrt(sizes[l]), size=(sizes[l + 1], sizes[l]))
               for l in range(len(sizes) - 1)]
    biases = [rng.normal(0.0, bias_scale, size=sizes[l + 1]) if bias_scale > 0
              else np.zeros(sizes[l + 1]) for l in range(len(sizes) - 1)]
    return _assemble(LayeredWeights(weights, copy=False), biases, activation, loss)


def from_layers(weights: Sequence[ArrayLike], biases: Sequence[ArrayLike],
                activation: LayerActivations = "tanh", *, loss: str = "bulk") -> Septuple:
    """A layered septuple from per-layer blocks, stored as blocks (no N x N array).

    Parameters
    ----------
    weights
        ``weights[l]`` of shape ``(n_{l+1}, n_l)``, the connections from layer l to l+1;
        dense arrays or ``scipy.sparse`` matrices (kept sparse).  They are copied.
    biases
        ``biases[l]`` of shape ``(n_{l+1},)``, the biases of layer l+1.
    activation
        f: one name or :class:`~learning.activations.Activation` for every neuron, or one
        per block (``activation[l]`` is f on the neurons of layer l+1, as in a model file;
        the input neurons take ``activation[0]``: clamped by (2.8) and without incoming
        weights (2.2), their f' never enters G), or a
        :class:`~learning.activations.LayerwiseActivation`.

    Raises
    ------
    ValueError
        If consecutive block shapes do not chain, the numbers of blocks differ, or an
        entry is not finite.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> net = from_layers([sp.random(4, 3, density=0.5, random_state=0), np.ones((2, 4))],
    ...                   [np.zeros(4), np.zeros(2)])
    >>> net.layer_sizes, net.is_block_stored, sp.issparse(layer_weights(net)[0])
    ((3, 4, 2), True, True)
    """
    if len(weights) != len(biases) or len(weights) == 0:
        raise ValueError(f"need as many bias vectors as weight blocks (>= 1), got "
                         f"{len(weights)} and {len(biases)}")
    return _assemble(LayeredWeights(weights), biases, activation, loss)


def _assemble(lw: LayeredWeights, biases: Sequence[ArrayLike],
              activation: LayerActivations, loss: str) -> Septuple:
    sizes_t = _check_sizes(lw.sizes)
    slices = layer_slices(sizes_t)
    n = sum(sizes_t)
    if len(biases) != len(lw.blocks):
        raise ValueError(f"need as many bias vectors as weight blocks, got {len(biases)} and "
                         f"{len(lw.blocks)}")
    b = np.zeros(n)
    for l, bias in enumerate(biases):
        bias = np.asarray(bias, dtype=float)
        if bias.shape != (sizes_t[l + 1],):
            raise ValueError(f"biases[{l}] must have shape ({sizes_t[l + 1]},), got {bias.shape}")
        b[slices[l + 1]] = bias
    if isinstance(activation, LayerwiseActivation):
        act: Activation | LayerwiseActivation = activation
    elif isinstance(activation, (str, Activation)):
        act = get_activation(activation)
    else:
        act = per_layer_activation(activation, sizes_t)  # type: ignore[arg-type]
    return Septuple(lw, b, act, np.arange(slices[0].stop),
                    np.arange(slices[-1].start, n), loss, sizes_t)


def _require_layers(septuple: Septuple) -> tuple[int, ...]:
    if not isinstance(septuple, Septuple):
        raise TypeError(f"septuple must be a Septuple, got {type(septuple).__name__}")
    if septuple.layer_sizes is None:
        raise ValueError("this septuple has no layer structure (layer_sizes is None); build it "
                         "with feedforward() or from_layers()")
    return septuple.layer_sizes


def layer_weights(septuple: Septuple) -> list:
    """The blocks ``w[l+1, l]`` of w (2.1)-(2.3), shape ``(n_{l+1}, n_l)``, as stored:
    read-only ``ndarray`` (views into a dense w, if the septuple holds one) or ``scipy.sparse``
    CSR arrays.

    Never forms the N x N matrix; this is the block API of the module docstring.

    Examples
    --------
    The blocks are the sub-matrices of the septuple's w, layer l+1 reading layer l:

    >>> import numpy as np
    >>> net = feedforward((3, 2, 1), seed=0)
    >>> sl = layer_slices((3, 2, 1))
    >>> w = layer_weights(net)
    >>> [b.shape for b in w], bool(np.array_equal(w[1], net.weights[sl[2], sl[1]]))
    ([(2, 3), (1, 2)], True)
    """
    _require_layers(septuple)
    return list(septuple.layered_weights.blocks)  # type: ignore[union-attr]


def layer_biases(septuple: Septuple) -> list[Array]:
    """The bias vectors of layers 1..L-1 as views into the global bias vector.

    Examples
    --------
    >>> import numpy as np
    >>> net = feedforward((3, 2, 1), seed=0, bias_scale=1.0)
    >>> bool(np.array_equal(np.concatenate(layer_biases(net)), net.bias[3:]))
    True
    """
    slices = layer_slices(_require_layers(septuple))
    return [septuple.bias[s] for s in slices[1:]]


def forward(septuple: Septuple, inputs: ArrayLike) -> list[Array]:
    """Layered forward pass: the activities of every layer for given inputs.

    ``a_0 = inputs`` and ``a_{l+1} = f(w_{l+1,l} a_l + b_{l+1})`` with the f of layer l+1's
    neurons (2.6); the concatenation of the ``a_l`` is the fixed point (2.9) reached after
    L - 1 steps of (2.5).

    Parameters
    ----------
    inputs
        Shape ``(n_0,)`` or ``(n_samples, n_0)``, inside the activation's range.

    Examples
    --------
    Each layer is f(W h + b) of the previous one:

    >>> import numpy as np
    >>> net = feedforward((3, 4, 2), seed=1, bias_scale=0.3)
    >>> x = np.array([0.2, -0.5, 0.9])
    >>> (w1, w2), (b1, b2) = layer_weights(net), layer_biases(net)
    >>> layers = forward(net, x)
    >>> bool(np.allclose(layers[2], np.tanh(w2 @ np.tanh(w1 @ x + b1) + b2)))
    True
    """
    sizes = _require_layers(septuple)
    a = np.asarray(inputs, dtype=float)
    if a.ndim not in (1, 2) or a.shape[-1] != sizes[0]:
        raise ValueError(f"inputs must have shape ({sizes[0]},) or (n_samples, {sizes[0]}), "
                         f"got {a.shape}")
    slices = layer_slices(sizes)
    activation_of(septuple, slices[0]).check_in_range(a, "inputs", closure=True)
    layers = [a]
    for s, w, b in zip(slices[1:], layer_weights(septuple), layer_biases(septuple),
                       strict=True):
        f = activation_of(septuple, s)
        a = f((w @ a.T).T + b if sp.issparse(w) else a @ w.T + b)
        layers.append(a)
    return layers


def forward_state(septuple: Septuple, inputs: ArrayLike) -> Array:
    """The fixed point x̄ (2.9) of a layered network, by the layered pass: shape (..., N).

    Examples
    --------
    x̄ is a fixed point of the dynamics (2.5) with the inputs clamped (2.7)-(2.9):

    >>> import numpy as np
    >>> from learning.septuple import boundary_state, step
    >>> net = feedforward((3, 4, 2), seed=1, bias_scale=0.3)
    >>> x = np.array([0.2, -0.5, 0.9])
    >>> xbar = forward_state(net, x)
    >>> xb = boundary_state(net, x, np.zeros(2))
    >>> bool(np.allclose(step(net, xbar, xb), xbar)), bool(np.allclose(xbar[:3], x))
    (True, True)
    """
    return np.concatenate(forward(septuple, inputs), axis=-1)
