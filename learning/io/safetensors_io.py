"""safetensors files (through the ``safetensors`` package's NumPy API).

Keys are ``<layer>.weight`` (``(n_out, n_in)``, PyTorch) or ``<layer>.kernel``
(``(n_in, n_out)``, transposed) and ``<layer>.bias``; the layer order is recovered by
:mod:`learning.io.naming`. Optional metadata (the ``__metadata__`` string map) may state
``activation`` (one name, or one per layer separated by commas) and ``layers`` (the
layer prefixes in order, separated by commas). bfloat16 tensors (PyTorch's
``model.bfloat16()``), which NumPy has no type for, are widened to float32 exactly (a
bfloat16 is the top 16 bits of a float32).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Sequence

import numpy as np

from learning.io.layers import (
    DenseLayer,
    NetworkFileError,
    activation_name,
    bfloat16_to_float32,
    check_path,
)
from learning.io.naming import layers_from_tensors

__all__ = ["read_safetensors"]


def read_safetensors(path: str | os.PathLike, layers: Sequence[str] | None = None
                     ) -> tuple[list[DenseLayer], str | None]:
    """The dense layers of a safetensors file, in network order, and a note on the order."""
    path = check_path(path)
    try:
        from safetensors import SafetensorError, safe_open
    except ImportError:
        raise NetworkFileError(path, "reading safetensors needs the 'safetensors' package: "
                               "pip install 'neural-thermodynamics[io]'") from None
    try:
        with safe_open(os.fspath(path), framework="np") as fh:
            metadata = fh.metadata() or {}
            tensors = {key: _bfloat16(path, key) if fh.get_slice(key).get_dtype() == "BF16"
                       else fh.get_tensor(key) for key in fh.keys()}  # noqa: SIM118
    except NetworkFileError:
        raise
    except (SafetensorError, OSError, ValueError, TypeError) as err:
        raise NetworkFileError(path, f"cannot be read as safetensors (truncated or corrupt, or "
                               f"a dtype NumPy lacks?): {err}") from None
    named = [s.strip() for s in metadata["layers"].split(",")] if "layers" in metadata else None
    dense, note = layers_from_tensors(path, tensors, layers, named)
    if "activation" in metadata:
        names = [activation_name(path, s, "metadata 'activation'")
                 for s in metadata["activation"].split(",")]
        if len(names) not in (1, len(dense)):
            raise NetworkFileError(path, f"metadata 'activation' names {len(names)} activations "
                                   f"for {len(dense)} layers")
        names = names * len(dense) if len(names) == 1 else names
        dense = [DenseLayer(d.name, d.weight, d.bias, a) for d, a in zip(dense, names,
                                                                          strict=True)]
    return dense, note


def _bfloat16(path: str, key: str) -> np.ndarray:
    """A bfloat16 tensor of a safetensors file as float32, exactly: the format is an 8-byte
    little-endian header length, a JSON header giving each tensor's dtype, shape and byte
    offsets into the data that follows; a bfloat16 is the top half of a float32."""
    with open(path, "rb") as fh:
        (size,) = struct.unpack("<Q", fh.read(8))
        info = json.loads(fh.read(size))[key]
        start, stop = info["data_offsets"]
        fh.seek(8 + size + start)
        raw = fh.read(stop - start)
    shape = tuple(info["shape"])
    if len(raw) != 2 * int(np.prod(shape, dtype=np.int64)):
        raise NetworkFileError(path, f"tensor {key!r}: {len(raw)} bytes for a bfloat16 "
                               f"tensor of shape {shape} (truncated or corrupt?)")
    return bfloat16_to_float32(np.frombuffer(raw, dtype="<u2")).reshape(shape)
