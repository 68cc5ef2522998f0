"""A PyTorch module in memory as a graph septuple: :func:`from_torch`.

The module is exported to ONNX in memory (``torch.onnx.export`` into a byte buffer; nothing
is written to disk) from a copy in ``eval()`` mode, so BatchNorm uses its running statistics
and Dropout is off, and the ONNX graph is read by :mod:`learning.io.onnx_graph`: the same
numbers as analysing the exported file. PyTorch is imported only inside these functions; the
core package never imports it.
"""

from __future__ import annotations

import copy
import io
import warnings

from learning.io.layers import NetworkFileError

__all__ = ["from_torch", "torch_to_onnx", "NO_TORCH_FOR_MODULE"]

NO_TORCH_FOR_MODULE = (
    "learning.io.from_torch needs PyTorch (pip install torch), which is not installed here; "
    "where it is, export the module once with torch.onnx.export(model, example, 'model.onnx') "
    "and analyse that file here (reading ONNX needs only pip install "
    "'neural-thermodynamics[io]')")


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError(NO_TORCH_FOR_MODULE) from None
    return torch


def torch_to_onnx(module, example_input, *, dynamo: bool = False):
    """The ONNX ``ModelProto`` of ``module`` at ``example_input`` (in memory, eval mode).

    Parameters
    ----------
    module
        A ``torch.nn.Module``; it is not changed (a deep copy is put in eval mode).
    example_input
        A tensor with a leading batch axis (its size does not matter), or a tuple of one.
    dynamo
        Use ``torch.onnx.export(..., dynamo=True)`` (the default exporter of recent PyTorch)
        instead of the TorchScript-based one; both give the same graph here.

    Raises
    ------
    ImportError
        PyTorch (or onnx) is not installed; the message names the route without it.
    TypeError
        ``module`` is not a ``torch.nn.Module`` or ``example_input`` not a tensor.
    NetworkFileError
        The export failed (the exporter's message is included).
    """
    if not callable(getattr(module, "eval", None)):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    args = example_input if isinstance(example_input, tuple) else (example_input,)
    if len(args) != 1 or not isinstance(args[0], torch.Tensor):
        raise TypeError("example_input must be one tensor (with a leading batch axis), got "
                        f"{type(example_input).__name__}")
    if args[0].ndim < 2:
        raise ValueError(f"example_input must have a leading batch axis, got shape "
                         f"{tuple(args[0].shape)}")
    model = copy.deepcopy(module).eval()
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            if dynamo:
                program = torch.onnx.export(model, args, dynamo=True, verbose=False)
                return program.model_proto
            torch.onnx.export(model, args, buffer, dynamo=False)
    except ImportError:
        raise
    except Exception as err:  # noqa: BLE001 - exporters raise many types
        raise NetworkFileError(f"module {type(module).__name__}", f"torch.onnx.export failed: "
                               f"{type(err).__name__}: {err}") from None
    import onnx

    return onnx.load_from_string(buffer.getvalue())


def from_torch(module, example_input, *, logits: bool = False, dynamo: bool = False):
    """A PyTorch module as a graph septuple (Section 2, (2.1)-(2.6); docs/beyond_mlps.md).

    The module is exported to ONNX in memory (:func:`torch_to_onnx`) and read by
    :func:`learning.io.onnx_graph.read_onnx_graph`: convolutions, pooling, BatchNorm,
    residual additions, concatenations and reshapes are folded into the next neuron node's
    w and b; component-wise activations make neuron nodes; max pooling, softmax and layer
    normalisation are linearised nodes.

    Parameters
    ----------
    module
        A ``torch.nn.Module`` (not changed).
    example_input
        A tensor of the input's shape with a leading batch axis.
    logits
        Leave out a final softmax and analyse the network at its logits.
    dynamo
        Export with ``dynamo=True`` (see :func:`torch_to_onnx`).

    Returns
    -------
    GraphSeptuple
        Choices made while reading (patterns recognised, the logits option) are issued as
        :class:`UserWarning`.

    Examples
    --------
    >>> import pytest; torch = pytest.importorskip("torch")
    >>> net = from_torch(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh()),
    ...                  torch.zeros(1, 3))
    >>> net.n_neurons
    5
    """
    from learning.io.onnx_graph import read_onnx_graph

    if not isinstance(logits, bool):
        raise TypeError(f"logits must be a bool, got {type(logits).__name__}")
    proto = torch_to_onnx(module, example_input, dynamo=dynamo)
    loaded = read_onnx_graph(proto, logits=logits,
                             label=f"torch module {type(module).__name__}")
    for note in loaded.notes:
        warnings.warn(f"{loaded.path}: {note}", UserWarning, stacklevel=2)
    return loaded.septuple
