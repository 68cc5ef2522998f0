"""The common ground of every reader: a list of dense layers, checked and assembled into a
layered septuple (Section 2, eqs. (2.1)-(2.6)).

A reader turns a file into :class:`DenseLayer` records in the PyTorch orientation
(``weight`` of shape ``(n_out, n_in)``, the block ``w[l+1, l]`` of the septuple) and hands
them to :func:`assemble`, which checks what every format must satisfy: finite weights, a
bias per layer, shapes that chain, and an activation for every layer.

An activation per layer: f acts component-wise, f_i(y) = f_i(y_i) (2.6), and nothing in G
(5.6), the losses (2.10)-(2.11) or the bulk minimum (3.2) needs f_i to be the same function
for every neuron. The activation a file gives dense layer l (the map applied to its outputs)
is f on the neurons of layer l + 1. The input neurons take the first layer's activation:
they are clamped to the data by the input bias (2.8) and have no incoming weights (2.2), so
their f' never enters G; their f only sets the range the input data must lie in and the
inverse used by (2.8). A network whose layers all use one activation gets that
:class:`~learning.activations.Activation` as f, exactly as before; one whose layers differ
(relu hidden layers and a linear or sigmoid output, say) gets a
:class:`~learning.activations.LayerwiseActivation`
(:func:`~learning.activations.per_layer_activation`). ``activation=`` may name one
activation for all layers or one per layer; where the file names a layer's activation the
two must agree.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from learning.activations import ACTIVATIONS, Activation
from learning.feedforward import from_layers
from learning.septuple import Septuple
from ntcore.checks import path_like

__all__ = ["NetworkFileError", "NotAChainError", "DenseLayer", "assemble", "activation_name",
           "bfloat16_to_float32"]

# Names other libraries give the activations the package knows (Keras, ONNX, PyTorch).
_ALIASES = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "linear": "linear",
            "identity": "linear", "none": "linear", "logistic": "sigmoid"}


class NetworkFileError(ValueError):
    """A model file that cannot be read as a feedforward MLP; the message starts with the file.

    Attributes
    ----------
    path
        The file.
    problem
        What is wrong with it.
    """

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class NotAChainError(NetworkFileError):
    """A file that holds a network but not a chain of dense layers (convolutions, skip
    connections, other operators, bias-free layers ...): the ONNX and Keras readers then read
    it as a graph septuple (:mod:`learning.io.onnx_graph`, :mod:`learning.io.keras_graph`)."""


@dataclass(frozen=True, eq=False)
class DenseLayer:
    """One dense layer y = f(W x + b) as a file stores it, in the septuple's orientation.

    Attributes
    ----------
    name
        The layer's name in the file (used in messages).
    weight
        W, shape ``(n_out, n_in)``: the block ``w[l+1, l]`` (PyTorch's ``Linear.weight``).
    bias
        b, shape ``(n_out,)``, or ``None`` when the file has none (refused by :func:`assemble`).
    activation
        The activation the file applies to this layer's outputs, a package name, or ``None``
        when the file does not say.
    """

    name: str
    weight: NDArray
    bias: NDArray | None
    activation: str | None = None


def bfloat16_to_float32(bits: NDArray) -> NDArray[np.float32]:
    """bfloat16 values, given as their 16-bit patterns (``uint16`` or 2-byte opaque), as
    float32, exactly: a bfloat16 is the top half of a float32. NumPy has no bfloat16, so
    safetensors and h5py hand these files' tensors over as raw bits.

    Examples
    --------
    >>> bfloat16_to_float32(np.array([0x3FC0, 0xC010], dtype=np.uint16))
    array([ 1.5 , -2.25], dtype=float32)
    """
    bits = np.ascontiguousarray(bits)
    if bits.dtype.itemsize != 2:
        raise TypeError(f"bits must be 16-bit patterns, got dtype {bits.dtype}")
    return (bits.view("<u2").astype("<u4") << 16).view("<f4")


def check_path(path: object) -> str:
    """``os.fspath(path)``, or a TypeError naming ``path`` for anything that is not a path."""
    return path_like("path", path)


def activation_name(path: str | os.PathLike, name: str, where: str) -> str:
    """The package's name for an activation a file names, or NetworkFileError naming it."""
    if not isinstance(name, str):
        raise TypeError(f"name must be the activation's name (a str), got {type(name).__name__}")
    key = str(name).strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    raise NotAChainError(path, f"{where} uses activation {name!r}, which is not component-wise "
                           f"or not known; the supported ones are {sorted(ACTIVATIONS)}")


def _check_layer(path: str | os.PathLike, l: int, layer: DenseLayer) -> tuple[NDArray, NDArray]:
    w = np.asarray(layer.weight)
    if w.ndim != 2:
        raise NotAChainError(path, f"layer {layer.name!r} has a weight of shape {w.shape}; a "
                               "dense layer's weight is a matrix (convolutions are not MLPs)")
    if not (np.issubdtype(w.dtype, np.floating) or np.issubdtype(w.dtype, np.integer)):
        raise NetworkFileError(path, f"layer {layer.name!r} has weights of type {w.dtype}")
    if layer.bias is None:
        raise NotAChainError(path, f"layer {layer.name!r} (layer {l}) has no bias; the "
                               "septuple's b needs one per neuron (save the model with biases)")
    b = np.asarray(layer.bias)
    if b.shape != (w.shape[0],):
        # A NumPy MLP written as x @ W + b stores W as (n_in, n_out): say so when it fits.
        hint = ("; the bias fits the weight's transpose: is W stored (n_in, n_out), as for "
                "x @ W + b? This format wants (n_out, n_in), W.T" if b.shape == (w.shape[1],)
                else "")
        raise NetworkFileError(path, f"layer {layer.name!r} has a bias of shape {b.shape}, its "
                               f"weight {w.shape} needs ({w.shape[0]},){hint}")
    # C-contiguous float64 copies whatever the file's layout (a transposed Keras kernel is a
    # Fortran-ordered view): every format then gives the same blocks and the same products.
    w = np.ascontiguousarray(w, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    for what, arr in (("weight", w), ("bias", b)):
        if not np.all(np.isfinite(arr)):
            bad = int(np.sum(~np.isfinite(arr)))
            raise NetworkFileError(path, f"layer {layer.name!r} has {bad} non-finite (NaN or "
                                   f"inf) entries in its {what}")
    return w, b


def assemble(path: str | os.PathLike, layers: Sequence[DenseLayer],
             activation: str | Activation | Sequence[str | Activation] | None = None
             ) -> Septuple:
    """Check the layers of a file and build the layered septuple (via ``from_layers``).

    Parameters
    ----------
    path
        The file (for messages).
    layers
        In network order, input side first.
    activation
        The caller's ``activation=``: one name or Activation for every layer, or one per layer
        (a sequence, or names separated by commas); it must agree with the file where the
        file names a layer's activation, and is required where the file names none.

    Returns
    -------
    Septuple
        Layered; its f is one :class:`~learning.activations.Activation` when every layer
        has the same, else a :class:`~learning.activations.LayerwiseActivation` (see the
        module docstring).

    Raises
    ------
    NetworkFileError
        Empty network, non-matrix weights, missing or misshapen biases, non-finite entries,
        shapes that do not chain, an activation that conflicts with ``activation=``, or a
        layer whose activation neither the file nor ``activation=`` says.
    """
    if not layers:
        raise NotAChainError(path, "no dense layers found")
    weights: list[NDArray] = []
    biases: list[NDArray] = []
    for l, layer in enumerate(layers):
        w, b = _check_layer(path, l, layer)
        if weights and weights[-1].shape[0] != w.shape[1]:
            prev = layers[l - 1]
            raise NetworkFileError(
                path, f"shapes do not chain: layer {prev.name!r} has {weights[-1].shape[0]} "
                f"outputs but the next layer {layer.name!r} takes {w.shape[1]} inputs "
                f"(weight {w.shape}, expected (n_out, n_in))")
        weights.append(w)
        biases.append(b)
    chosen = _layer_activations(path, layers, activation)
    return from_layers(weights, biases, chosen)


def _wanted(path: str | os.PathLike, activation: str | Activation | Sequence[str | Activation],
            n_layers: int) -> list[str | Activation]:
    """``activation=`` as one entry per layer: a name or Activation for all layers, or one per
    layer (a sequence, or names separated by commas)."""
    if isinstance(activation, Activation):
        return [activation] * n_layers
    if isinstance(activation, str):
        items: list = [a.strip() for a in activation.split(",")]
    elif isinstance(activation, Sequence):
        items = list(activation)
    else:
        raise TypeError(f"activation must be a name, an Activation or one per layer, got "
                        f"{type(activation).__name__}")
    if len(items) not in (1, n_layers):
        raise NetworkFileError(path, f"activation= gives {len(items)} activations for "
                               f"{n_layers} layers; give one, or one per layer")
    items = [a if isinstance(a, Activation) else activation_name(path, a, "activation=")
             for a in items]
    return items * n_layers if len(items) == 1 else items


def _layer_activations(path: str | os.PathLike, layers: Sequence[DenseLayer],
                       activation: str | Activation | Sequence[str | Activation] | None
                       ) -> list[str | Activation]:
    """One activation per layer: the file's where it says one, ``activation=`` where it does
    not; they must agree where both say one."""
    wanted = None if activation is None else _wanted(path, activation, len(layers))
    named = [layer.activation for layer in layers]
    if wanted is not None:
        for layer, want in zip(layers, wanted, strict=True):
            want_name = want.name if isinstance(want, Activation) else want
            if layer.activation is not None and layer.activation != want_name:
                raise NetworkFileError(path, f"activation={want_name!r} conflicts with the file, "
                                       f"whose layer {layer.name!r} uses {layer.activation!r}")
        return list(wanted)
    found = sorted({a for a in named if a is not None})
    if all(a is not None for a in named):
        return named  # type: ignore[return-value]
    if len(found) == 1:  # the file names one activation, for some layers only: it is f
        return [found[0]] * len(layers)
    missing = [layer.name for layer in layers if layer.activation is None]
    raise NetworkFileError(path, f"the file does not say the activation of layers {missing}; "
                           f"pass activation= (one of {sorted(ACTIVATIONS)}, or one per layer "
                           "separated by commas) or --activation")
