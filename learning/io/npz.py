"""NumPy ``.npz`` networks: arrays ``W0, b0, W1, b1, ...`` and an optional ``activation``.

``W_l`` has shape ``(n_{l+1}, n_l)`` (PyTorch's ``Linear.weight`` orientation: the block
``w[l+1, l]`` of the septuple), ``b_l`` shape ``(n_{l+1},)``; ``activation`` is a string
array with one name for all layers or one per layer. :func:`save_network` writes this
format and :func:`read_npz` reads it back bit for bit.
"""

from __future__ import annotations

import os
import re
import zipfile

import numpy as np

from learning.feedforward import layer_biases, layer_weights
from learning.io.layers import DenseLayer, NetworkFileError, activation_name, check_path
from learning.septuple import Septuple
from ntcore.atomic import atomic_write

__all__ = ["read_npz", "save_network"]

_KEY = re.compile(r"^([Wb])(\d+)$")


def read_npz(path: str | os.PathLike) -> tuple[list[DenseLayer], None]:
    """The dense layers of an ``.npz`` network (the layer order is the index in the names).

    Returns the layers and ``None`` (the order is never ambiguous here).
    """
    path = check_path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise NetworkFileError(path, f"cannot be read as .npz (truncated or corrupt?): "
                               f"{err}") from None
    other = sorted(k for k in arrays if not _KEY.match(k) and k != "activation")
    if other:
        raise NetworkFileError(path, f"unexpected arrays {other}; an .npz network holds only "
                               "W0, b0, W1, b1, ... and activation")
    indices = sorted({int(_KEY.match(k).group(2)) for k in arrays if _KEY.match(k)})
    if not indices:
        raise NetworkFileError(path, "no arrays W0, b0, ...: not an .npz network")
    if indices != list(range(len(indices))):
        raise NetworkFileError(path, f"layer indices {indices} are not 0..{len(indices) - 1}")
    names = _activations(path, arrays.get("activation"), len(indices))
    layers = []
    for l in indices:
        if f"W{l}" not in arrays:
            raise NetworkFileError(path, f"layer {l} has a bias b{l} but no weight W{l}")
        layers.append(DenseLayer(f"W{l}", arrays[f"W{l}"], arrays.get(f"b{l}"), names[l]))
    return layers, None


def _activations(path, value, n_layers: int) -> list[str | None]:
    if value is None:
        return [None] * n_layers
    value = np.atleast_1d(value)
    if value.dtype.kind not in "US" or value.ndim != 1 or value.size not in (1, n_layers):
        raise NetworkFileError(path, f"'activation' must be a string array of length 1 or "
                               f"{n_layers}, got {value.dtype} of shape {value.shape}")
    names: list[str | None] = [activation_name(path, str(v), "'activation'") for v in value]
    return names * n_layers if len(names) == 1 else names


def save_network(septuple: Septuple, path: str | os.PathLike) -> None:
    """Write a layered septuple as an ``.npz`` network, atomically; :func:`read_npz` (and
    :func:`learning.io.load.load_network`) read it back exactly.

    The arrays are ``W_l`` = the block ``w[l+1, l]`` of (2.1), shape ``(n_{l+1}, n_l)``,
    ``b_l`` the biases of layer l + 1, and ``activation`` the name of f (2.6), or one name
    per layer when the layers' f differ (a
    :class:`~learning.activations.LayerwiseActivation`). The input biases are not saved:
    they are set per datum by (2.8).

    Raises
    ------
    ValueError
        If ``path`` does not end in ``.npz``, the septuple has no layer structure, or its
        activation is not one the package knows by name (a custom f cannot be written to a
        file), or is not one activation per layer (f changing inside a layer, or an input
        layer whose f differs from the first dense layer's).

    Examples
    --------
    >>> import tempfile, os
    >>> from learning.feedforward import feedforward
    >>> from learning.io import load_network
    >>> net = feedforward((5, 4, 3), "sigmoid", seed=0, bias_scale=0.1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_network(net, os.path.join(tmp, "net.npz"))
    ...     back = load_network(os.path.join(tmp, "net.npz"))
    >>> bool((back.weights == net.weights).all()), back.activation.name
    (True, 'sigmoid')
    """
    from learning.activations import ACTIVATIONS, Activation, layer_activations

    if not isinstance(septuple, Septuple):
        raise TypeError(f"septuple must be a Septuple, got {type(septuple).__name__}")
    path = check_path(path)
    if not path.lower().endswith(".npz"):
        # It writes NumPy's format only: a file named .safetensors/.onnx would be an .npz in
        # disguise (read back as npz, by its content), misleading the next reader.
        raise ValueError(f"path must end in .npz (save_network writes NumPy's .npz format; "
                         f"other formats are written by their own libraries), got {path!r}")
    weights = layer_weights(septuple)  # ValueError without layer_sizes
    act = septuple.activation
    try:
        # One name for a uniform f (as always); one per dense layer when they differ.
        per_layer = (act,) if isinstance(act, Activation) else \
            layer_activations(act, septuple.layer_sizes)  # type: ignore[arg-type]
    except ValueError as err:
        raise ValueError(f"septuple.activation cannot be written as one activation per "
                         f"layer: {err}") from None
    for one in per_layer:
        if ACTIVATIONS.get(one.name) is not one:
            raise ValueError(f"septuple.activation {one.name!r} is not one of the package's "
                             f"named activations {sorted(ACTIVATIONS)}; it cannot be saved "
                             "by name")
    arrays = {}
    for l, (w, b) in enumerate(zip(weights, layer_biases(septuple), strict=True)):
        arrays[f"W{l}"] = np.array(w, dtype=np.float64)
        arrays[f"b{l}"] = np.array(b, dtype=np.float64)
    arrays["activation"] = np.array([one.name for one in per_layer])

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    atomic_write(path, write, suffix=".npz")
