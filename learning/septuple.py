"""The neural septuple (x, P_in, P_out, w, b, f, H) of Section 2.

Conventions
-----------
* A state vector is a row of length ``N``; a batch of states is an array of shape
  ``(n_samples, N)``.  The paper's column-vector products ``w x`` are written
  ``x @ w.T`` on batches.
* The projections P_in, P_out (Section 2) are coordinate projections: they keep the
  components of the input (output) neurons.  They are stored as index arrays and are
  available as matrices (:attr:`Septuple.input_projection` ...).
* Boundary data x_∂ (2.4) is a state vector whose input and output components hold
  the data; its hidden components are ignored.  :func:`boundary_state` builds it
  from separate input and output arrays.
* The input-bias condition (2.8) is met per datum by the *effective bias*
  (:func:`effective_bias`): the input components of b are replaced by
  f⁻¹(x_∂,in), so that the input neurons stay clamped to the data (2.7).
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from learning.activations import Activation, LayerwiseActivation, get_activation
from learning.layered_weights import LayeredWeights, dense_bytes
from ntcore import limits
from ntcore.checks import state_array

__all__ = [
    "Septuple",
    "FixedPointResult",
    "boundary_state",
    "effective_bias",
    "initial_state",
    "step",
    "clamped_image",
    "fixed_point",
    "activation_of",
]

Array = NDArray[np.float64]

# Below this fraction of non-zero weights, sparse products beat dense BLAS for w x.
_SPARSE_DENSITY = 0.15


def _as_index_set(value: ArrayLike | None, n: int, argument: str) -> NDArray[np.intp]:
    """Convert an index set, a boolean mask or a coordinate projection matrix to indices."""
    if value is None:
        return np.zeros(0, dtype=np.intp)
    arr = np.asarray(value)
    if arr.ndim == 2:
        if arr.shape != (n, n):
            raise ValueError(f"{argument} as a projection matrix must have shape ({n}, {n}), "
                             f"got {arr.shape}")
        arr = arr.astype(float)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{argument} contains non-finite entries")
        idempotency = float(np.max(np.abs(arr @ arr - arr))) if n else 0.0
        symmetry = float(np.max(np.abs(arr - arr.T))) if n else 0.0
        if idempotency > 1e-12 or symmetry > 1e-12:
            raise ValueError(
                f"{argument} is not an orthogonal projection: max|P^2 - P| = {idempotency:.3g}, "
                f"max|P - P^T| = {symmetry:.3g}"
            )
        off_diagonal = arr - np.diag(np.diag(arr))
        if np.any(np.abs(off_diagonal) > 1e-12):
            raise ValueError(
                f"{argument} is a projection but not a coordinate projection (it is not diagonal "
                "in the neuron basis); a septuple's input/output subspaces are spanned by neurons"
            )
        return np.flatnonzero(np.diag(arr) > 0.5).astype(np.intp)
    if arr.ndim != 1:
        raise ValueError(f"{argument} must be an index set, a boolean mask of length {n} or an "
                         f"({n}, {n}) projection matrix; got an array of shape {arr.shape}")
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"{argument} as a boolean mask must have length {n}, got {arr.size}")
        return np.flatnonzero(arr).astype(np.intp)
    if arr.size == 0:
        return np.zeros(0, dtype=np.intp)
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.intp)
        else:
            raise TypeError(f"{argument} must contain integer neuron indices, got {arr.dtype}")
    if np.any(arr < 0) or np.any(arr >= n):
        raise ValueError(f"{argument} has indices outside 0..{n - 1}")
    unique = np.unique(arr)
    if unique.size != arr.size:
        raise ValueError(f"{argument} has repeated indices")
    return unique.astype(np.intp)


def _coordinate_projection(indices: NDArray[np.intp], n: int) -> Array:
    p = np.zeros((n, n))
    p[indices, indices] = 1.0
    return p


def _septuple_activation(activation: object, n: int) -> Activation | LayerwiseActivation:
    if isinstance(activation, LayerwiseActivation):
        if activation.n_neurons != n:
            raise ValueError(f"activation {activation.name!r} acts on {activation.n_neurons} "
                             f"neurons (sizes {activation.sizes}), the septuple has N = {n}")
        return activation
    return get_activation(activation)  # type: ignore[arg-type]


def activation_of(septuple: Septuple, neurons: slice | ArrayLike
                  ) -> Activation | LayerwiseActivation:
    """f restricted to some neurons (e.g. the inputs): the septuple's f itself when it is the
    same for every neuron, else the per-neuron f of those neurons (2.6).

    ``neurons`` is a slice (step 1) or increasing neuron indices, e.g.
    ``septuple.input_indices``.

    Examples
    --------
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((3, 4, 2), ["relu", "linear"], seed=0)
    >>> activation_of(net, net.input_indices).name, activation_of(net, net.output_indices).name
    ('relu', 'linear')
    """
    if not isinstance(septuple, Septuple):
        raise TypeError(f"septuple must be a Septuple, got {type(septuple).__name__}")
    n = septuple.n_neurons
    if isinstance(neurons, slice):
        if neurons.indices(n)[2] != 1:
            raise ValueError(f"neurons as a slice must have step 1, got {neurons}")
        return septuple.activation.restrict(neurons)
    idx = np.asarray(neurons)
    if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
        raise TypeError(f"neurons must be a slice or a 1-D array of integer indices, got "
                        f"{idx.dtype} of shape {idx.shape}")
    if idx.size and (idx.min() < 0 or idx.max() >= n or np.any(np.diff(idx) <= 0)):
        raise ValueError(f"neurons must be increasing indices in 0..{n - 1}, got "
                         f"{idx[:5].tolist()}{'...' if idx.size > 5 else ''}")
    return septuple.activation.restrict(idx)




class Septuple:
    """A neural septuple (x, P_in, P_out, w, b, f, H) of Section 2.

    The state x itself is not stored: states are arrays passed to the functions of
    this module.  The loss H is named by ``loss`` and evaluated by :mod:`learning.losses`.
    Instances are immutable (assigning an attribute raises ``FrozenInstanceError``).

    Parameters
    ----------
    weights
        w, an ``(N, N)`` real matrix (``w[i, j]`` is the connection from neuron j to i),
        or a :class:`~learning.layered_weights.LayeredWeights` holding only the blocks
        :math:`w_{l+1,l}` of a layered network (as built by :func:`learning.feedforward.feedforward`
        and :func:`~learning.feedforward.from_layers`).  Block storage never forms the
        N x N matrix; :attr:`weights` materialises it on demand (up to
        ``ntcore.limits.DENSE_WEIGHTS_LIMIT_BYTES``).
    bias
        b, a length-``N`` vector.
    activation
        f, an :class:`~learning.activations.Activation` or its name (default tanh), the
        same for every neuron; or a :class:`~learning.activations.LayerwiseActivation`
        over the N neurons, one f per block of neurons (f acts component-wise (2.6), so
        f_i may differ between neurons; :func:`learning.feedforward.from_layers` builds it
        from one activation per layer).
    input_indices, output_indices
        P_in and P_out, each as an index set, a boolean mask of length N or an
        ``(N, N)`` coordinate projection matrix.  They must be disjoint.
    loss
        ``"bulk"`` (3.1)/(3.4) or ``"boundary"`` (2.10)/(2.11): the loss H.
    layer_sizes
        For layered networks, the sizes of the L layers in neuron order; ``None`` for
        general graphs.  With a dense ``weights`` it is checked: w must vanish outside the
        blocks w[layer l+1, layer l].  With block ``weights`` it defaults to their sizes.

    Raises
    ------
    ValueError
        On mismatched shapes, non-finite entries, overlapping input/output sets,
        projection matrices that are not coordinate projections, or ``layer_sizes``
        that do not describe ``weights``.

    Examples
    --------
    >>> import numpy as np
    >>> s = Septuple(np.zeros((3, 3)), np.zeros(3), "tanh", [0], [2])
    >>> s.n_neurons, s.hidden_indices.tolist()
    (3, [1])
    """

    weights_storage: Array | LayeredWeights
    bias: Array
    activation: Activation | LayerwiseActivation
    input_indices: NDArray[np.intp]
    output_indices: NDArray[np.intp]
    loss: str
    layer_sizes: tuple[int, ...] | None
    _layered: LayeredWeights | None

    def __init__(self, weights: ArrayLike | LayeredWeights, bias: ArrayLike,
                 activation: Activation | LayerwiseActivation | str = "tanh",
                 input_indices: ArrayLike | None = None,
                 output_indices: ArrayLike | None = None, loss: str = "bulk",
                 layer_sizes: tuple[int, ...] | None = None) -> None:
        sizes = layer_sizes
        if sizes is not None:
            sizes = tuple(int(s) for s in sizes)
        if isinstance(weights, LayeredWeights):
            storage: Array | LayeredWeights = weights
            layered: LayeredWeights | None = weights
            n = weights.n
            if sizes is not None and sizes != weights.sizes:
                raise ValueError(f"layer_sizes = {sizes} does not match the sizes of the "
                                 f"weight blocks w, {weights.sizes}")
            sizes = weights.sizes
        else:
            w = np.array(weights, dtype=float, copy=True)
            if w.ndim != 2 or w.shape[0] != w.shape[1] or w.shape[0] == 0:
                raise ValueError(f"weights must be a non-empty square (N, N) matrix, got shape "
                                 f"{w.shape}")
            n = w.shape[0]
            if not np.all(np.isfinite(w)):
                raise ValueError("weights contains non-finite entries")
            w.setflags(write=False)
            storage, layered = w, None
        b = np.array(bias, dtype=float, copy=True)
        if b.shape != (n,):
            raise ValueError(f"bias must have shape ({n},) to match weights, got {b.shape}")
        if not np.all(np.isfinite(b)):
            raise ValueError("bias contains non-finite entries")
        act = _septuple_activation(activation, n)
        inputs = _as_index_set(input_indices, n, "input_indices")
        outputs = _as_index_set(output_indices, n, "output_indices")
        overlap = np.intersect1d(inputs, outputs)
        if overlap.size:
            raise ValueError(f"input_indices and output_indices overlap at neurons "
                             f"{overlap[:5].tolist()}; P_in P_out must be 0")
        if loss not in ("bulk", "boundary"):
            raise ValueError(f"loss must be 'bulk' or 'boundary', got {loss!r}")
        if sizes is not None:
            if any(s <= 0 for s in sizes) or sum(sizes) != n or len(sizes) < 2:
                raise ValueError(f"layer_sizes must be >= 2 positive sizes summing to N = {n}, "
                                 f"got {sizes}")
            if layered is None:
                # Views of the dense w; raises if w has weights outside the layer blocks.
                layered = LayeredWeights.from_dense(storage, sizes)  # type: ignore[arg-type]
        b.setflags(write=False)
        inputs.setflags(write=False)
        outputs.setflags(write=False)
        for name, value in (("weights_storage", storage), ("bias", b), ("activation", act),
                            ("input_indices", inputs), ("output_indices", outputs),
                            ("loss", loss), ("layer_sizes", sizes), ("_layered", layered)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        store = ("blocks" if self.is_block_stored else "dense")
        return (f"Septuple(N={self.n_neurons}, weights={store}, "
                f"activation={self.activation.name!r}, n_in={self.input_indices.size}, "
                f"n_out={self.output_indices.size}, loss={self.loss!r}, "
                f"layer_sizes={self.layer_sizes})")

    # ---- weights: dense or per-layer blocks --------------------------------------------
    @property
    def is_block_stored(self) -> bool:
        """True when w is kept as per-layer blocks only (no N x N array is held)."""
        return isinstance(self.weights_storage, LayeredWeights)

    @property
    def layered_weights(self) -> LayeredWeights | None:
        """The blocks :math:`w_{l+1,l}` (views for a dense layered w); ``None`` for general
        graphs."""
        return self._layered

    def dense_weights(self, max_bytes: int | None = None) -> Array:
        """w as a dense read-only ``(N, N)`` array, formed from the blocks if need be.

        Raises
        ------
        ValueError
            If the matrix would take more than ``max_bytes`` (default
            ``ntcore.limits.DENSE_WEIGHTS_LIMIT_BYTES``, 2 GiB).
        """
        if not self.is_block_stored:
            return self.weights_storage  # type: ignore[return-value]
        cached = self.__dict__.get("_dense_cache")
        if cached is not None:
            return cached
        limit = limits.DENSE_WEIGHTS_LIMIT_BYTES if max_bytes is None else int(max_bytes)
        need = dense_bytes(self.n_neurons)
        if need > limit:
            raise ValueError(
                f"septuple.weights would form the dense N x N matrix, N = {self.n_neurons}: "
                f"{need / 1024**3:.3g} GiB > the limit {limit / 1024**3:.3g} GiB; use the "
                "block API instead (learning.feedforward.layer_weights / layer_biases / "
                "layer_slices, Septuple.preactivation, "
                "learning.spectral_estimates.g_linear_operator)")
        w = self.weights_storage.toarray()  # type: ignore[union-attr]
        self.__dict__["_dense_cache"] = w
        return w

    @property
    def weights(self) -> Array:
        """w as a dense read-only ``(N, N)`` array (see :meth:`dense_weights`)."""
        return self.dense_weights()

    # ---- sizes and index sets -------------------------------------------------------
    @property
    def n_neurons(self) -> int:
        """N, the number of neurons (dimension of the state vector x)."""
        return int(self.weights_storage.shape[0])

    @cached_property
    def hidden_indices(self) -> NDArray[np.intp]:
        """The indices of the bulk (hidden) neurons, the range of I - P_in - P_out."""
        mask = np.ones(self.n_neurons, dtype=bool)
        mask[self.input_indices] = False
        mask[self.output_indices] = False
        idx = np.flatnonzero(mask)
        idx.setflags(write=False)
        return idx

    @cached_property
    def boundary_indices(self) -> NDArray[np.intp]:
        """The indices of the boundary neurons, the range of P_in + P_out."""
        idx = np.union1d(self.input_indices, self.output_indices).astype(np.intp)
        idx.setflags(write=False)
        return idx

    @property
    def is_supervised(self) -> bool:
        """False when the output subspace is empty (Section 3's unsupervised case)."""
        return self.output_indices.size > 0

    # ---- projections as matrices (Section 2) ----------------------------------------
    @property
    def input_projection(self) -> Array:
        """P_in as an ``(N, N)`` matrix."""
        return _coordinate_projection(self.input_indices, self.n_neurons)

    @property
    def output_projection(self) -> Array:
        """P_out as an ``(N, N)`` matrix."""
        return _coordinate_projection(self.output_indices, self.n_neurons)

    @property
    def boundary_projection(self) -> Array:
        """P_in + P_out as an ``(N, N)`` matrix."""
        return _coordinate_projection(self.boundary_indices, self.n_neurons)

    @property
    def bulk_projection(self) -> Array:
        """I - P_in - P_out, the projection on the hidden subspace, as an ``(N, N)`` matrix."""
        return _coordinate_projection(self.hidden_indices, self.n_neurons)

    # ---- fast products ---------------------------------------------------------------
    @cached_property
    def _sparse_weights_t(self) -> sp.csr_array | None:
        # Only for dense storage (block storage has its own products).
        density = np.count_nonzero(self.weights) / self.weights.size
        if density > _SPARSE_DENSITY:
            return None
        return sp.csr_array(self.weights.T)

    def preactivation(self, x: ArrayLike, bias: ArrayLike | None = None) -> Array:
        """y = w x + b for a state or a batch of states (the argument of f in (2.5))."""
        x = np.asarray(x, dtype=float)
        b = self.bias if bias is None else np.asarray(bias, dtype=float)
        if self.is_block_stored:
            return self.weights_storage.product(x) + b  # type: ignore[union-attr]
        wt = self._sparse_weights_t
        if wt is None:
            y = x @ self.weights.T
        elif x.ndim == 1:
            y = wt.T @ x
        else:
            # (w x^T)^T computed as (x w^T) with a sparse right factor.
            y = (wt.T @ x.T).T
        return y + b

    def transpose_product(self, r: ArrayLike) -> Array:
        """r @ w, i.e. w^T r for a vector ``(N,)`` or each row of a batch ``(n, N)``."""
        r = np.asarray(r, dtype=float)
        if self.is_block_stored:
            return self.weights_storage.transpose_product(r)  # type: ignore[union-attr]
        return r @ self.weights

    def with_parameters(self, weights: ArrayLike | None = None,
                        bias: ArrayLike | None = None) -> Septuple:
        """A copy with new w and/or b (same projections, activation, loss and layers).

        ``weights`` may be dense (N, N) or a
        :class:`~learning.layered_weights.LayeredWeights`; it must fit the septuple's
        ``layer_sizes``.
        """
        return Septuple(
            self.weights_storage if weights is None else weights,
            self.bias if bias is None else bias,
            self.activation,
            self.input_indices,
            self.output_indices,
            self.loss,
            self.layer_sizes,
        )




def _check_states(septuple: Septuple, x: ArrayLike, argument: str) -> Array:
    return state_array(argument, x, septuple.n_neurons)


def boundary_state(septuple: Septuple, inputs: ArrayLike,
                   outputs: ArrayLike | None = None) -> Array:
    """Assemble boundary data x_∂ (2.4) from input and output values.

    Parameters
    ----------
    septuple
        The network.
    inputs
        Values of the input neurons, shape ``(N_in,)`` or ``(n, N_in)``.
    outputs
        Values of the output neurons, shape ``(N_out,)`` or ``(n, N_out)``; ``None`` is
        allowed only for an unsupervised septuple (empty output subspace).  For an
        auto-encoder pass ``outputs=inputs`` (Section 3, footnote 2).

    Returns
    -------
    ndarray
        x_∂ with shape ``(N,)`` or ``(n, N)``; hidden components are zero.

    Raises
    ------
    ValueError
        On wrong shapes, non-finite data, or data outside the activation's range
        (outputs must lie inside the range of f; inputs, being clamped, may touch its ends).

    Examples
    --------
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((2, 3, 1), seed=0)
    >>> boundary_state(net, [0.5, -0.5], [0.25]).tolist()  # hidden components zero
    [0.5, -0.5, 0.0, 0.0, 0.0, 0.25]
    """
    inputs = np.asarray(inputs, dtype=float)
    n_in, n_out = septuple.input_indices.size, septuple.output_indices.size
    if inputs.shape[-1:] != (n_in,) or inputs.ndim not in (1, 2):
        raise ValueError(f"inputs must have shape ({n_in},) or (n_samples, {n_in}), "
                         f"got {inputs.shape}")
    # Inputs are clamped data, not outputs of f: the closure of the range is allowed.
    activation_of(septuple, septuple.input_indices).check_in_range(inputs, "inputs",
                                                                   closure=True)
    if outputs is None:
        if n_out:
            raise ValueError(f"outputs is required: the septuple has {n_out} output neurons")
    else:
        outputs = np.asarray(outputs, dtype=float)
        if outputs.shape != inputs.shape[:-1] + (n_out,):
            raise ValueError(f"outputs must have shape {inputs.shape[:-1] + (n_out,)}, "
                             f"got {outputs.shape}")
        activation_of(septuple, septuple.output_indices).check_in_range(outputs, "outputs")
    x = np.zeros(inputs.shape[:-1] + (septuple.n_neurons,))
    x[..., septuple.input_indices] = inputs
    if outputs is not None:
        x[..., septuple.output_indices] = outputs
    return x


def effective_bias(septuple: Septuple, x_boundary: ArrayLike) -> Array:
    """Bias b with its input components set so that the input-bias condition (2.8) holds.

    (2.8) asks f(P_in b) = P_in x_∂.  As printed it also constrains the hidden and output
    components of f(P_in b) to vanish, which fails whenever f(0) != 0 (e.g. sigmoid);
    the condition that keeps the inputs clamped (2.7) is only its input part,
    P_in f(b) = P_in x_∂, which is what is enforced here: b_in = f⁻¹(x_∂,in).

    Returns an array of shape ``(N,)`` or ``(n, N)`` following ``x_boundary``.

    Examples
    --------
    With b_in = f⁻¹(x_∂,in), f(b) reproduces the inputs (2.8):

    >>> import numpy as np
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((2, 3, 1), seed=0)
    >>> xb = boundary_state(net, [0.5, -0.5], [0.25])
    >>> bool(np.allclose(np.tanh(effective_bias(net, xb)[:2]), [0.5, -0.5]))
    True
    """
    xb = _check_states(septuple, x_boundary, "x_boundary")
    idx = septuple.input_indices
    act = activation_of(septuple, idx)
    x_in = xb[..., idx]
    act.check_in_range(x_in, "x_boundary (input components)")
    if act.inverse is None:
        raise ValueError(f"activation {act.name!r} has no inverse; the input-bias condition (2.8) "
                         "cannot be met; give the Activation an inverse")
    b = np.broadcast_to(septuple.bias, xb.shape).copy()
    b[..., idx] = act.inverse(x_in)
    return b


def initial_state(septuple: Septuple, x_boundary: ArrayLike) -> Array:
    """x(0) = P_in x_∂, eq. (2.4): the input data entered, every other neuron at 0.

    Examples
    --------
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((2, 3, 1), seed=0)
    >>> initial_state(net, boundary_state(net, [0.5, -0.5], [0.25])).tolist()
    [0.5, -0.5, 0.0, 0.0, 0.0, 0.0]
    """
    xb = _check_states(septuple, x_boundary, "x_boundary")
    x0 = np.zeros_like(xb)
    x0[..., septuple.input_indices] = xb[..., septuple.input_indices]
    return x0


def clamped_image(septuple: Septuple, x: ArrayLike, x_boundary: ArrayLike) -> Array:
    """f(w x + b) with the input bias of (2.8): input components equal the data exactly.

    Mathematically this is f(w x + b_eff) with b_eff of :func:`effective_bias`; the input
    components are set to x_∂ directly because f(f⁻¹(x)) differs from x by round-off,
    which would keep the state moving by one ulp per step.  No inverse of f is needed.

    Examples
    --------
    >>> import numpy as np
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((2, 3, 1), seed=0, bias_scale=0.5)
    >>> xb = boundary_state(net, [0.5, -0.5], [0.25])
    >>> x = np.linspace(-0.5, 0.5, 6)
    >>> image = clamped_image(net, x, xb)
    >>> image[:2].tolist(), bool(np.allclose(image[2:], np.tanh(net.weights @ x + net.bias)[2:]))
    ([0.5, -0.5], True)
    """
    x = _check_states(septuple, x, "x")
    xb = _check_states(septuple, x_boundary, "x_boundary")
    image = septuple.activation(septuple.preactivation(x))  # type: ignore[operator]
    idx = septuple.input_indices
    image[..., idx] = np.broadcast_to(xb[..., idx], image[..., idx].shape)
    return image


def step(septuple: Septuple, x: ArrayLike, x_boundary: ArrayLike | None = None) -> Array:
    """One step of the dynamics x(t+1) = f(w x(t) + b), eq. (2.5).

    With ``x_boundary`` the input bias is set by (2.8) (see :func:`effective_bias`), so the
    input neurons stay clamped to the data, eq. (2.7).

    Examples
    --------
    A network of L = 3 layers reaches its fixed point x̄ (2.9) from x(0) (2.4) in L - 1 steps:

    >>> import numpy as np
    >>> from learning.feedforward import feedforward, forward_state
    >>> net = feedforward((2, 3, 1), seed=0, bias_scale=0.5)
    >>> xb = boundary_state(net, [0.5, -0.5], [0.25])
    >>> x = step(net, step(net, initial_state(net, xb), xb), xb)
    >>> bool(np.allclose(x, forward_state(net, np.array([0.5, -0.5]))))
    True
    """
    if x_boundary is not None:
        return clamped_image(septuple, x, x_boundary)
    x = _check_states(septuple, x, "x")
    return septuple.activation(septuple.preactivation(x))  # type: ignore[operator]


@dataclass(frozen=True)
class FixedPointResult:
    """Result of :func:`fixed_point`: the state x̄ of (2.9) and how it was reached.

    Attributes
    ----------
    state
        x̄, shape ``(N,)`` or ``(n, N)``.
    steps
        Number of updates (2.5) applied.
    residual
        max |x̄ - f(w x̄ + b)| over neurons and samples after the last step.
    converged
        ``residual <= tol``.
    """

    state: Array
    steps: int
    residual: float
    converged: bool


def fixed_point(septuple: Septuple, x_boundary: ArrayLike, *, max_steps: int | None = None,
                tol: float = 0.0) -> FixedPointResult:
    """Iterate (2.4)-(2.5) to the fixed point x̄ = f(w x̄ + b) of eq. (2.9).

    Starts from x(0) = P_in x_∂ (2.4) with the input bias of (2.8); for an L-layer
    feedforward network the fixed point is reached exactly after L - 1 steps (each
    step settles one more layer), so the default ``tol = 0`` is attained there.

    Parameters
    ----------
    septuple
        The network.
    x_boundary
        Boundary data, shape ``(N,)`` or ``(n, N)`` (only input components are used).
    max_steps
        Upper bound on the number of updates; default ``N`` (enough for any
        feedforward network, whose depth is at most N).
    tol
        Stop when max |x - f(w x + b)| <= tol.

    Returns
    -------
    FixedPointResult

    Examples
    --------
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((3, 4, 2), seed=0)
    >>> import numpy as np
    >>> xb = boundary_state(net, np.full(3, 0.5), np.zeros(2))
    >>> res = fixed_point(net, xb)
    >>> res.steps, res.converged
    (2, True)
    """
    if tol < 0 or not np.isfinite(tol):
        raise ValueError(f"tol must be finite and >= 0, got {tol}")
    max_steps = septuple.n_neurons if max_steps is None else int(max_steps)
    if max_steps < 1:
        raise ValueError(f"max_steps must be >= 1, got {max_steps}")
    xb = _check_states(septuple, x_boundary, "x_boundary")
    activation_of(septuple, septuple.input_indices).check_in_range(
        xb[..., septuple.input_indices], "x_boundary (input components)", closure=True)
    x = initial_state(septuple, xb)
    residual = np.inf
    for steps in range(max_steps + 1):
        # f(w x(t) + b) is both the residual of (2.9) at x(t) and the next state x(t+1).
        fx = clamped_image(septuple, x, xb)
        if not np.all(np.isfinite(fx)):
            raise ValueError(f"the dynamics (2.5) produced non-finite states after {steps} steps")
        residual = float(np.max(np.abs(fx - x)))
        if residual <= tol:
            return FixedPointResult(state=x, steps=steps, residual=residual, converged=True)
        if steps < max_steps:
            x = fx
    return FixedPointResult(state=x, steps=max_steps, residual=residual, converged=False)
