"""Bring your own network: read trained feedforward networks from other libraries' files.

One module per format (:mod:`~learning.io.npz`, :mod:`~learning.io.safetensors_io`,
:mod:`~learning.io.torch_io`, :mod:`~learning.io.keras_io`, :mod:`~learning.io.onnx_io`),
each turning a file into dense layers; :mod:`~learning.io.layers` checks them and builds the
layered septuple; :func:`~learning.io.load.load_network` sniffs the format. Networks that are
not chains of dense layers (convolutions, pooling, BatchNorm, residual connections) are read
as graph septuples from ONNX (:mod:`~learning.io.onnx_graph`) or from a PyTorch module in
memory (:func:`~learning.io.torch_graph.from_torch`). The readers of safetensors, Keras
and ONNX need the optional extra ``pip install 'neural-thermodynamics[io]'``; PyTorch files
and modules need PyTorch itself. See docs/analyze.md and docs/beyond_mlps.md.
"""

from learning.io.layers import DenseLayer, NetworkFileError
from learning.io.load import FORMATS, LoadedNetwork, load_network, read_network, sniff_format
from learning.io.npz import save_network
from learning.io.torch_graph import from_torch

__all__ = ["load_network", "read_network", "save_network", "sniff_format", "LoadedNetwork",
           "NetworkFileError", "DenseLayer", "FORMATS", "from_torch"]
