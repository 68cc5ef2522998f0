"""PyTorch ``.pt`` / ``.pth`` files: state dicts and whole ``nn.Sequential`` MLPs.

Read with ``torch.load(weights_only=True)``, which never runs code from the file; a whole
``nn.Sequential`` is unpickled with only the layer classes below allowed. A state dict
(possibly wrapped as ``{"state_dict": ...}`` or ``{"model_state_dict": ...}``) carries no
activation, so ``activation=`` is needed; a ``Sequential`` says it by its modules. Without
PyTorch installed the error names the route that needs none: save the weights as
safetensors where PyTorch is, and load those.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from learning.io.layers import DenseLayer, NetworkFileError, check_path
from learning.io.naming import layers_from_tensors

__all__ = ["read_torch", "NO_TORCH_MESSAGE"]

NO_TORCH_MESSAGE = (
    "reading a PyTorch file needs torch, which is not installed here. Either install it, or, "
    "where PyTorch is installed, save the weights as safetensors and load that file instead: "
    "`from safetensors.torch import save_file; save_file(model.state_dict(), "
    "'model.safetensors')` (pip install 'neural-thermodynamics[io]')")

_ACTIVATION_MODULES = {"Tanh": "tanh", "Sigmoid": "sigmoid", "ReLU": "relu",
                       "Identity": "linear"}
_NO_OPS = {"Dropout", "Flatten"}


def _to_numpy(tensor) -> np.ndarray:
    return tensor.detach().cpu().double().numpy()


def _load(path, torch):
    import pickle

    def load() -> object:
        # From an open file, not a name: torch.load picks a loader by the name's extension
        # (a PyTorch file saved as x.safetensors would go to the safetensors reader).
        with open(path, "rb") as fh:
            return torch.load(fh, map_location="cpu", weights_only=True)

    try:
        return load()
    except (pickle.UnpicklingError, RuntimeError, AttributeError) as first:
        nn = torch.nn
        allowed = [nn.Sequential, nn.Linear, nn.Tanh, nn.Sigmoid, nn.ReLU, nn.Identity,
                   nn.Dropout, nn.Flatten]
        safe_globals = getattr(torch.serialization, "safe_globals", None)
        if safe_globals is None:
            raise NetworkFileError(path, f"torch.load(weights_only=True) cannot read it: "
                                   f"{first}") from None
        try:
            with safe_globals(allowed):
                return load()
        except Exception as err:  # noqa: BLE001 - torch raises many types for bad files
            raise NetworkFileError(
                path, "torch.load(weights_only=True) refused it (truncated, or a whole model "
                "with classes other than nn.Sequential/Linear/Tanh/Sigmoid/ReLU/Identity/"
                f"Dropout/Flatten; save its state_dict() instead): {err}") from None
    except Exception as err:  # noqa: BLE001 - EOFError (empty), OSError, ValueError, ...
        raise NetworkFileError(path, f"torch.load cannot read it (empty, truncated or not a "
                               f"PyTorch file): {type(err).__name__}: {err}") from None


def _from_sequential(path, model, torch) -> list[DenseLayer]:
    layers: list[DenseLayer] = []
    refused = []
    for name, module in model.named_children():
        kind = type(module).__name__
        if isinstance(module, torch.nn.Linear):
            bias = None if module.bias is None else _to_numpy(module.bias)
            layers.append(DenseLayer(name, _to_numpy(module.weight), bias, "linear"))
        elif kind in _ACTIVATION_MODULES:
            if not layers or layers[-1].activation != "linear":
                refused.append(f"{name!r} ({kind} not right after a Linear)")
                continue
            last = layers[-1]
            layers[-1] = DenseLayer(last.name, last.weight, last.bias, _ACTIVATION_MODULES[kind])
        elif kind not in _NO_OPS:
            refused.append(f"{name!r} ({kind})")
    if refused:
        raise NetworkFileError(path, "not a feedforward MLP of Linear layers and Tanh/Sigmoid/"
                               f"ReLU activations: {', '.join(refused)}; for convolutions, "
                               "normalisation or other activations pass the module in memory "
                               "to learning.io.from_torch(model, example) or export it to ONNX "
                               "and analyse that file")
    return layers


def read_torch(path: str | os.PathLike, layers: Sequence[str] | None = None
               ) -> tuple[list[DenseLayer], str | None]:
    """The dense layers of a PyTorch file, in network order, and a note on the order."""
    path = check_path(path)
    try:
        import torch
    except ImportError:
        raise NetworkFileError(path, NO_TORCH_MESSAGE) from None
    obj = _load(path, torch)
    if isinstance(obj, torch.nn.Module):
        if not isinstance(obj, torch.nn.Sequential):
            raise NetworkFileError(path, f"a whole {type(obj).__name__} model: only "
                                   "nn.Sequential is read whole from a .pt file; for any other "
                                   "module pass it in memory to learning.io.from_torch(model, "
                                   "example) or export it to ONNX and analyse that file")
        dense = _from_sequential(path, obj, torch)
        if layers is not None and list(layers) != [d.name for d in dense]:
            raise NetworkFileError(path, f"layers={list(layers)} conflicts with the "
                                   f"Sequential's order {[d.name for d in dense]}")
        return dense, None
    if isinstance(obj, dict):
        for wrapper in ("state_dict", "model_state_dict", "model"):
            if isinstance(obj.get(wrapper), dict):
                obj = obj[wrapper]
                break
        tensors = {}
        for key, value in obj.items():
            if not isinstance(value, torch.Tensor):
                raise NetworkFileError(path, f"entry {key!r} is a {type(value).__name__}, not a "
                                       "tensor: not a state dict")
            tensors[str(key)] = _to_numpy(value)
        return layers_from_tensors(path, tensors, layers)
    raise NetworkFileError(path, f"holds a {type(obj).__name__}, neither a state dict nor an "
                           "nn.Sequential")
