"""Bring your own network: read trained feedforward MLPs from other libraries' files.

One module per format (:mod:`~learning.io.npz`, :mod:`~learning.io.safetensors_io`,
:mod:`~learning.io.torch_io`, :mod:`~learning.io.keras_io`, :mod:`~learning.io.onnx_io`),
each turning a file into dense layers; :mod:`~learning.io.layers` checks them and builds the
layered septuple; :func:`~learning.io.load.load_network` sniffs the format. The readers of
safetensors, Keras
and ONNX need the optional extra ``pip install 'neural-thermodynamics[io]'``; PyTorch files
need PyTorch itself. See docs/analyze.md.
"""

from learning.io.layers import DenseLayer, NetworkFileError
from learning.io.load import FORMATS, LoadedNetwork, load_network, read_network, sniff_format
from learning.io.npz import save_network

__all__ = ["load_network", "read_network", "save_network", "sniff_format", "LoadedNetwork",
           "NetworkFileError", "DenseLayer", "FORMATS"]
