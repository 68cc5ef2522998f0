"""Layer order from tensor names and shapes, for flat name -> tensor files (safetensors,
PyTorch state dicts).

Such files store dense layers as ``<prefix>.weight`` / ``<prefix>.bias`` pairs (``kernel``
for Keras/Flax-style names, stored ``(n_in, n_out)`` and transposed here), with the keys
sorted or in an order that need not be the network's. The order is recovered as follows:
the names' natural order (``fc2`` before ``fc10``) is used when its shapes chain; otherwise
the unique order in which the shapes chain; two or more such orders with none named is an
error that asks for ``layers=``. When the shapes alone would allow another order, the
result says that the names decided it.

Tensors that do not belong to a dense layer are not skipped silently: normalisation
statistics (``running_mean`` ...), 1-D or 4-D ``weight`` tensors (norms, convolutions) and
any other leaf are refused with the names of the layers they belong to.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from learning.io.layers import DenseLayer, NetworkFileError

__all__ = ["layers_from_tensors", "natural_key", "chain_statement", "GRAPH_ROUTE"]

_WEIGHT = ("weight", "kernel")
_NORM_LEAVES = {"running_mean", "running_var", "num_batches_tracked", "moving_mean",
                "moving_variance", "gamma", "beta"}
_MAX_SEARCH = 200_000  # DFS steps when looking for shape-chaining orders

#: The route for networks that are not chains, named by every refusal of a flat file.
GRAPH_ROUTE = ("a state dict or safetensors file stores tensors, not how they are connected, so "
               "it cannot record skip connections, branches or the order of the layers; for a "
               "network that is not a plain chain, read its graph: export it to ONNX "
               "(torch.onnx.export(model, example, 'model.onnx')) and analyse that file, or "
               "pass the module in memory to learning.io.from_torch(model, example)")


def natural_key(name: str) -> tuple:
    """Sort key comparing digit runs as integers: ``fc2`` < ``fc10``, ``0`` < ``2`` < ``10``."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                 for p in re.split(r"(\d+)", name) if p)


def _split(key: str) -> tuple[str, str]:
    for sep in (".", "/"):
        if sep in key:
            prefix, leaf = key.rsplit(sep, 1)
            return prefix, leaf.split(":")[0]
    return "", key


def _group(path, tensors: Mapping[str, NDArray]) -> dict[str, dict[str, NDArray]]:
    groups: dict[str, dict[str, NDArray]] = {}
    problems: dict[str, str] = {}
    for key, value in tensors.items():
        prefix, leaf = _split(key)
        arr = np.asarray(value)
        if leaf in _NORM_LEAVES:
            problems.setdefault(prefix, f"normalisation layer ({leaf})")
        elif leaf in _WEIGHT and arr.ndim > 2:
            problems.setdefault(prefix, f"convolution ({arr.ndim}-D {leaf} {arr.shape})")
        elif leaf in _WEIGHT and arr.ndim < 2:
            problems.setdefault(prefix, f"normalisation or scaling layer (1-D {leaf} "
                                        f"{arr.shape})")
        elif leaf in _WEIGHT or leaf == "bias":
            groups.setdefault(prefix, {})[leaf] = arr
        else:
            problems.setdefault(prefix or key, f"tensor {key!r} of no dense layer")
    if problems:
        listing = "; ".join(f"{name!r}: {why}" for name, why in sorted(problems.items()))
        raise NetworkFileError(path, f"not a feedforward MLP of dense layers: {listing}; "
                               + GRAPH_ROUTE)
    return groups


def _dense(path, prefix: str, group: dict[str, NDArray]) -> DenseLayer:
    name = prefix or "(unnamed)"
    if "weight" in group and "kernel" in group:
        raise NetworkFileError(path, f"layer {name!r} has both a weight and a kernel")
    if "weight" in group:
        w = group["weight"]
    elif "kernel" in group:
        w = group["kernel"].T  # Keras/Flax kernels are (n_in, n_out)
    else:
        raise NetworkFileError(path, f"layer {name!r} has a bias but no weight")
    return DenseLayer(name, w, group.get("bias"))


def _chains(layers: Sequence[DenseLayer], limit: int) -> list[list[int]]:
    """Up to ``limit`` orders of all layers in which n_out of each equals n_in of the next."""
    n = len(layers)
    outs = [layer.weight.shape[0] for layer in layers]
    ins = [layer.weight.shape[1] for layer in layers]
    found: list[list[int]] = []
    steps = 0

    def extend(order: list[int], used: set[int]) -> None:
        nonlocal steps
        if len(found) >= limit or steps > _MAX_SEARCH:
            return
        if len(order) == n:
            found.append(list(order))
            return
        for j in range(n):
            steps += 1
            if j not in used and (not order or outs[order[-1]] == ins[j]):
                order.append(j)
                used.add(j)
                extend(order, used)
                used.discard(j)
                order.pop()

    extend([], set())
    return found


def layers_from_tensors(path: str | os.PathLike, tensors: Mapping[str, NDArray],
                        layers: Sequence[str] | None = None,
                        named_order: Sequence[str] | None = None
                        ) -> tuple[list[DenseLayer], str | None]:
    """Dense layers in network order from a flat mapping of tensor names to arrays.

    Parameters
    ----------
    tensors
        ``{name: array}`` as stored.
    layers
        The caller's order (layer prefixes, input side first); overrides the recovery.
    named_order
        An order the file itself states (e.g. safetensors metadata); an error if it
        conflicts with ``layers``.

    Returns
    -------
    (layers, note)
        The layers and a sentence on how the order was decided when the shapes alone do
        not decide it (``None`` when they do or the order was given).
    """
    if not isinstance(tensors, Mapping):
        raise TypeError(f"tensors must be a mapping of names to arrays, got "
                        f"{type(tensors).__name__}")
    groups = _group(path, tensors)
    dense = {prefix: _dense(path, prefix, g) for prefix, g in groups.items()}
    if layers is not None and named_order is not None and list(layers) != list(named_order):
        raise NetworkFileError(path, f"layers={list(layers)} conflicts with the order the file "
                               f"states, {list(named_order)}")
    given = layers if layers is not None else named_order
    if given is not None:
        missing = [name for name in given if name not in dense]
        extra = [name for name in dense if name not in given]
        if missing or extra or len(set(given)) != len(given):
            raise NetworkFileError(path, f"the layer order {list(given)} must name each dense "
                                   f"layer once; the file has {sorted(dense, key=natural_key)}")
        return [dense[name] for name in given], None
    names = sorted(dense, key=natural_key)
    ordered = [dense[name] for name in names]
    chains = _chains(ordered, limit=2)
    by_name = list(range(len(names)))
    if not chains:
        shapes = ", ".join(f"{name!r}: {tuple(dense[name].weight.shape)}" for name in names)
        raise NetworkFileError(path, f"shapes do not chain in any order (weights as "
                               f"(n_out, n_in): {shapes}); " + GRAPH_ROUTE)
    if _chains_in_order(ordered):
        note = None
        if len(chains) > 1 or chains[0] != by_name:
            note = (f"layer order taken from the names {names}: the shapes alone allow "
                    "another order (pass layers= or --layers to choose it)")
        return ordered, note
    if len(chains) > 1:
        raise NetworkFileError(path, f"the layer order is ambiguous: the names' order {names} "
                               "does not chain and several orders of the shapes do. "
                               + GRAPH_ROUTE + "; for a true chain of dense layers, pass "
                               "layers=[...] (--layers a,b,c to the command), input side first")
    order = [names[i] for i in chains[0]]
    return [dense[name] for name in order], (f"layer order {order} recovered from the shapes "
                                             f"(the names' order {names} does not chain)")


def chain_statement(names: Sequence[str]) -> str:
    """How a flat file was read: ``"read as a chain: a -> b -> c"`` (the dense layers in the
    order used, input side first), printed beside every analysis of such a file.

    Examples
    --------
    >>> chain_statement(["fc1", "fc2", "out"])
    'read as a chain: fc1 -> fc2 -> out'
    """
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"names must be a sequence of layer names, got {names!r}")
    return "read as a chain: " + " -> ".join(names)


def _chains_in_order(layers: Sequence[DenseLayer]) -> bool:
    pairs = zip(layers[:-1], layers[1:], strict=True)
    return all(a.weight.shape[0] == b.weight.shape[1] for a, b in pairs)
