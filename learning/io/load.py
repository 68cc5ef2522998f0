"""``load_network``: sniff a model file's format and read it as a layered septuple.

The format is recognised from the file's first bytes (HDF5 signature; a zip holding
``config.json`` + ``model.weights.h5`` (Keras), ``.npy`` members (NumPy) or ``data.pkl``
(PyTorch); a safetensors header; a pickle), then from its extension (``.onnx`` has no
signature). ``format=`` overrides the sniffing.
"""

from __future__ import annotations

import os
import struct
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from learning.activations import Activation
from learning.graph.septuple import GraphSeptuple
from learning.io.keras_io import read_keras
from learning.io.layers import DenseLayer, NetworkFileError, NotAChainError, assemble, check_path
from learning.io.naming import chain_statement
from learning.io.npz import read_npz
from learning.io.onnx_io import read_onnx
from learning.io.safetensors_io import read_safetensors
from learning.io.torch_io import read_torch
from learning.septuple import Septuple

__all__ = ["FORMATS", "LoadedNetwork", "read_network", "load_network", "sniff_format"]

Reader = Callable[..., tuple[list[DenseLayer], "str | None"]]

#: format name -> its reader
FORMATS: dict[str, Reader] = {
    "npz": lambda path, layers: _no_layers(read_npz, path, layers),
    "safetensors": read_safetensors,
    "torch": read_torch,
    "keras": read_keras,
    "onnx": read_onnx,
}

_FLAT = ("safetensors", "torch")  # formats that cannot record skip connections
_EXTENSIONS = {".npz": "npz", ".safetensors": "safetensors", ".pt": "torch", ".pth": "torch",
               ".keras": "keras", ".h5": "keras", ".hdf5": "keras", ".onnx": "onnx"}


def _no_layers(reader, path, layers):
    dense, note = reader(path)
    if layers is not None and list(layers) != [d.name for d in dense]:
        raise NetworkFileError(path, f"layers={list(layers)} conflicts with the file's order "
                               f"{[d.name for d in dense]}")
    return dense, note


@dataclass(frozen=True, eq=False)
class LoadedNetwork:
    """A network read from a file, with how it was read.

    Attributes
    ----------
    septuple
        The layered septuple (w, b, f of Section 2; P_in the first layer, P_out the last),
        or a :class:`~learning.graph.septuple.GraphSeptuple` for a graph that is not a
        chain of dense layers (an ONNX file with convolutions, residual additions, ...).
    path, format
        The file and the format it was read as.
    layer_names
        The file's names of the dense layers, input side first.
    activation_source
        ``"file"``, ``"argument"`` or ``"file and argument"`` (some layers each): where f
        came from.
    notes
        Sentences on choices made while reading (e.g. a layer order decided by the names).
    read_as
        How the network was read: ``"read as a chain: a -> b -> c"`` for a flat file
        (safetensors, PyTorch), which cannot record skip connections; ``"read as a graph of
        n nodes (m linearised: ...)"`` for a graph; ``""`` for formats that store a chain.
    """

    septuple: Septuple | GraphSeptuple
    path: str
    format: str
    layer_names: tuple[str, ...]
    activation_source: str
    notes: tuple[str, ...]
    read_as: str = ""


def sniff_format(path: str | os.PathLike) -> str:
    """The format of a model file, one of :data:`FORMATS` (see the module docstring).

    Raises
    ------
    FileNotFoundError
        No such file.
    NetworkFileError
        The format cannot be recognised.
    """
    path = check_path(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such model file")
    with open(path, "rb") as fh:
        head = fh.read(16)
    size = os.path.getsize(path)
    ext = os.path.splitext(path)[1].lower()
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "keras"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            names = []
        if "config.json" in names and "model.weights.h5" in names:
            return "keras"
        if names and all(n.endswith(".npy") for n in names):
            return "npz"
        if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
            return "torch"
    if len(head) >= 9:
        (header_size,) = struct.unpack("<Q", head[:8])
        if head[8:9] == b"{" and 8 + header_size <= size:
            return "safetensors"
    if head[:1] == b"\x80" and ext not in _EXTENSIONS:
        return "torch"  # a legacy (non-zip) pickle
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    raise NetworkFileError(path, f"unknown model format (extension {ext or 'none'!r}, first "
                           f"bytes {head[:8]!r}); pass format= one of {sorted(FORMATS)}")


def read_network(path: str | os.PathLike, *, format: str | None = None,
                 activation: str | Activation | Sequence[str | Activation] | None = None,
                 layers: Sequence[str] | None = None, logits: bool = False) -> LoadedNetwork:
    """Read a feedforward network from a file: the septuple and how it was read.

    See :func:`load_network` for the parameters.
    """
    path = check_path(path)
    if format is None:
        format = sniff_format(path)
    elif format not in FORMATS:
        raise NetworkFileError(path, f"unknown format {format!r}; choose one of "
                               f"{sorted(FORMATS)}")
    elif not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such model file")
    if layers is not None and (isinstance(layers, str) or not all(isinstance(n, str)
                                                                  for n in layers)):
        raise TypeError(f"layers must be a sequence of layer names, got {layers!r}")
    if not isinstance(logits, bool):
        raise TypeError(f"logits must be a bool, got {type(logits).__name__}")
    if format in ("onnx", "keras"):
        return _read_graph(path, format, activation, layers, logits)
    if logits:
        raise NetworkFileError(path, f"logits=True (--logits) applies to graphs with a final "
                               f"Softmax (ONNX files); a {format} file holds none")
    dense, note = _untrusted(path, format, lambda: FORMATS[format](path, layers))
    return _chain(path, format, dense, activation, () if note is None else (note,))


def _untrusted(path: str, format: str, read: Callable):
    """Run a reader on a file whose structure is untrusted input: a configuration or graph of
    the wrong shape (a layer that is a number, a node without inputs) is named as a malformed
    file, not left as a bare Python error; the reader's own refusals pass unchanged."""
    try:
        return read()
    except (NetworkFileError, FileNotFoundError):
        raise
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, EOFError) as err:
        raise NetworkFileError(path, f"malformed {format} file: its structure is not what "
                               f"the {format} format writes ({type(err).__name__}: {err})"
                               ) from None


def _chain(path: str, format: str, dense: list[DenseLayer], activation, notes: tuple[str, ...]
           ) -> LoadedNetwork:
    named = [d.activation is not None for d in dense]
    source = "file" if all(named) else ("file and argument" if any(named) else "argument")
    septuple = assemble(path, dense, activation)
    names = tuple(d.name for d in dense)
    return LoadedNetwork(septuple=septuple, path=path, format=format, layer_names=names,
                         activation_source=source, notes=notes,
                         read_as=chain_statement(names) if format in _FLAT else "")


def _read_graph(path: str, format: str, activation, layers, logits: bool) -> LoadedNetwork:
    """ONNX and Keras files: a chain of dense layers as the layered septuple (as before
    graphs were read), any other graph as a GraphSeptuple."""
    chain_error = None
    if not logits:
        try:
            dense, _ = _untrusted(path, format, lambda: FORMATS[format](path, layers))
            return _chain(path, format, dense, activation, ())
        except NotAChainError as err:
            chain_error = err
    try:
        read = _untrusted(path, format, lambda: _graph_reader(format)(path, logits=logits))
    except NetworkFileError as err:
        if chain_error is None:
            raise
        raise NetworkFileError(path, f"{chain_error.problem}; read as a graph instead: "
                               f"{err.problem}") from None
    graph = read.septuple
    for given, what in ((activation, "activation="), (layers, "layers=")):
        if given is not None:
            raise NetworkFileError(path, f"{what} applies to files that do not say their "
                                   f"activations or layer order; this {format} graph says "
                                   "both (leave it out)")
    return LoadedNetwork(septuple=graph, path=path, format=format,
                         layer_names=tuple(n.label for n in graph.nodes),
                         activation_source="file", notes=read.notes,
                         read_as=graph_statement(graph))


def _graph_reader(format: str) -> Callable:
    if format == "onnx":
        from learning.io.onnx_graph import read_onnx_graph

        return read_onnx_graph
    from learning.io.keras_graph import read_keras_graph

    return read_keras_graph


def graph_statement(graph: GraphSeptuple) -> str:
    """How a graph was read: its nodes and which of them are linearised (printed beside
    every analysis of a graph)."""
    if not isinstance(graph, GraphSeptuple):
        raise TypeError(f"graph must be a GraphSeptuple, got {type(graph).__name__}")
    kinds = [n.kind for n in graph.nodes]
    text = (f"read as a graph of {len(kinds)} nodes ({kinds.count('input')} input, "
            f"{kinds.count('neuron')} exact septuple nodes x = f(Wx + b)")
    lin = graph.linearised_labels
    return text + (f", {len(lin)} linearised: {', '.join(lin)})" if lin else
                   ", none linearised)")


def load_network(path: str | os.PathLike, *, format: str | None = None,
                 activation: str | Activation | Sequence[str | Activation] | None = None,
                 layers: Sequence[str] | None = None,
                 logits: bool = False) -> Septuple | GraphSeptuple:
    """Load a trained feedforward network: an MLP as a layered septuple, any other graph
    (ONNX, Keras) as a graph septuple (Section 2, (2.1)-(2.6); docs/beyond_mlps.md).

    Dense layer l (W_l, b_l, activation) becomes the block ``w[l+1, l] = W_l`` (``(n_out,
    n_in)``), the biases and f (2.6) of layer l + 1 (the inputs take the first layer's f;
    different activations per layer give a
    :class:`~learning.activations.LayerwiseActivation`, see :mod:`learning.io.layers`).

    Parameters
    ----------
    path
        A ``.npz`` (``W0, b0, ...``, see :func:`learning.io.npz.save_network`), ``.safetensors``,
        PyTorch ``.pt``/``.pth``, Keras ``.keras``/``.h5`` or ``.onnx`` file.
    format
        One of :data:`FORMATS`; by default sniffed (:func:`sniff_format`).
    activation
        f, when the file does not say it (npz without ``activation``, safetensors without
        metadata, state dicts): one name or Activation for every layer, or one per layer (a
        list, or names separated by commas, ``"relu,relu,linear"``); where the file says it,
        it must agree.
    layers
        The layer names in network order, input side first, where the file's order is
        ambiguous (flat safetensors/state-dict files); where the file fixes the order it
        must agree. Such files are read as a chain (:attr:`LoadedNetwork.read_as`).
    logits
        Leave out the final Softmax of a graph and analyse the network at its logits.

    Returns
    -------
    Septuple or GraphSeptuple
        Layered for a dense chain, else a graph; reading notes become warnings.

    Raises
    ------
    FileNotFoundError
        No such file.
    NetworkFileError (a ValueError)
        Anything else: its message starts with the file and says the problem.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from learning.io import save_network
    >>> from learning.feedforward import feedforward
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_network(feedforward((4, 3, 2), seed=0), os.path.join(tmp, "m.npz"))
    ...     net = load_network(os.path.join(tmp, "m.npz"))
    >>> net.layer_sizes, net.activation.name
    ((4, 3, 2), 'tanh')
    """
    loaded = read_network(path, format=format, activation=activation, layers=layers,
                          logits=logits)
    for note in loaded.notes:
        warnings.warn(f"{loaded.path}: {note}", UserWarning, stacklevel=2)
    return loaded.septuple
