"""Beyond MLPs: a CNN and a residual CNN as septuples
=====================================================

Train a LeNet-5 and a small residual CNN with BatchNorm on the bundled MNIST digits, save
both as ONNX, and analyse them like MLPs (docs/beyond_mlps.md).

1. Trains both networks with PyTorch when it is installed (Adam on the cross-entropy, inputs
   scaled to [-1, 1] as ``--data mnist`` feeds them); without PyTorch, builds them with
   :class:`learning.graph.builder.GraphBuilder` from seeded NumPy weights (untrained, and
   said so).
2. Saves each as ONNX (``torch.onnx.export``) and runs ``python -m learning analyze`` on the
   file with ``--data mnist``: the printed summary names which nodes are exact septuple nodes
   x = f(Wx + b) and which are linearised (here none: conv, pooling, BatchNorm and the
   residual addition all fold into w and b).
3. Reads the same networks from PyTorch in memory (:func:`learning.io.from_torch`) and
   analyses them on the same digits (:func:`learning.analysis.analyze_network`): the same
   μ_k as the command found from the files.
4. Draws the density of log λ of G (5.6) of both networks.

Run:  pip install -e ".[io]" torch  &&  python examples/beyond_mlps.py [OUTDIR]
(with NT_EXAMPLES_FAST=1, as in CI and the documentation build: 1 epoch on 500 digits, 100
samples for the analysis; otherwise 3 epochs on 4000 digits and 1000 samples)

Printed output (full settings, 2026-12-06; docs/beyond_mlps.md has it in full)::

    trained lenet5 (61706 weights) for 3 epoch(s) on 4000 digits: training accuracy 0.960; ...
    $ python -m learning analyze OUT/lenet5.onnx --data mnist --samples 1000 --out ...
    read        read as a graph of 6 nodes (1 input, 5 exact septuple nodes x = f(Wx + b),
                none linearised)
    network     784-4704-1600-120-84-10 tanh,tanh,tanh,tanh,linear, N = 7302  (onnx file ...)
    ...
      μ_2 = Tr (log G)^2 = 2906.57 ± 23
      μ_3 = Tr (log G)^3 = -1343.77 ± 89
    ...
    lenet5 from PyTorch in memory: μ_1..μ_4 = -34.6407, 2906.57, -1343.77, 11294.2; the same as
    from the ONNX file: True
    trained residual_cnn (5202 weights) for 3 epoch(s) on 4000 digits: training accuracy 0.972
    ...
    nodes       5: 1 input, 4 exact septuple nodes x = f(Wx + b), 0 linearised ...
      relu_3                       exact      relu       8x14x14      reads relu_1, relu_2
    ...
    residual_cnn from PyTorch in memory: μ_1..μ_4 = -35.9807, 19472.3, -5768.63, 168857; the
    same as from the ONNX file: True

(Long lines are wrapped here; ``...`` marks lines left out.)
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from learning.experiments.datasets import load_mnist
from learning.graph.builder import GraphBuilder

HAS_TORCH = importlib.util.find_spec("torch") is not None and \
    importlib.util.find_spec("onnx") is not None


def torch_models():
    """LeNet-5 (tanh, average pooling) and a residual CNN (conv-BN-relu, one residual block
    relu(BN(conv(relu(BN(conv(x))))) + x), average pooling, a dense head), as modules."""
    import torch
    from torch import nn

    class LeNet5(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
            self.f1, self.f2, self.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

        def forward(self, x):
            x = nn.functional.avg_pool2d(torch.tanh(self.c1(x)), 2)
            x = torch.flatten(nn.functional.avg_pool2d(torch.tanh(self.c2(x)), 2), 1)
            return self.f3(torch.tanh(self.f2(torch.tanh(self.f1(x)))))

    class ResidualCNN(nn.Module):
        def __init__(self, c=8):
            super().__init__()
            self.stem, self.bn0 = nn.Conv2d(1, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
            self.c1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
            self.c2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
            self.head = nn.Linear(c * 7 * 7, 10)

        def forward(self, x):
            x = nn.functional.avg_pool2d(torch.relu(self.bn0(self.stem(x))), 2)
            y = torch.relu(self.bn1(self.c1(x)))
            x = torch.relu(self.bn2(self.c2(y)) + x)
            return self.head(torch.flatten(nn.functional.avg_pool2d(x, 2), 1))

    return {"lenet5": LeNet5(), "residual_cnn": ResidualCNN()}


def train_torch(module, images, labels, epochs: int, seed: int = 0) -> float:
    """Adam on the cross-entropy, mini-batches of 64; returns the final training accuracy."""
    import torch

    torch.manual_seed(seed)
    x, y = torch.tensor(images, dtype=torch.float32), torch.tensor(labels)
    opt = torch.optim.Adam(module.parameters(), lr=2e-3)
    module.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(x)).split(64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(module(x[batch]), y[batch]).backward()
            opt.step()
    module.eval()
    with torch.no_grad():
        return float((module(x).argmax(1) == y).float().mean())


def numpy_lenet(seed: int = 0):
    """LeNet-5 built directly with the GraphBuilder from seeded weights (no PyTorch)."""
    from learning.graph.convolution import Conv
    from learning.graph.pooling import AvgPool

    rng = np.random.default_rng(seed)

    def he(*shape):
        return rng.normal(size=shape) / np.sqrt(np.prod(shape[1:]))

    b = GraphBuilder(input_shape=(1, 28, 28))
    t = b.activation(b.linear(b.input, Conv(he(6, 1, 5, 5), padding=2, in_shape=(1, 28, 28))),
                     "tanh")
    t = b.linear(t, AvgPool((2, 2), stride=2, in_shape=(6, 28, 28)))
    t = b.activation(b.linear(t, Conv(he(16, 6, 5, 5), in_shape=(6, 14, 14))), "tanh")
    t = b.flatten(b.linear(t, AvgPool((2, 2), stride=2, in_shape=(16, 10, 10))))
    for n_in, n_out in ((400, 120), (120, 84)):
        t = b.activation(b.dense(t, he(n_out, n_in)), "tanh")
    return b.build(outputs=b.dense(t, he(10, 84)))


def analyze_file(path: Path, samples: int, out: Path) -> None:
    command = [sys.executable, "-m", "learning", "analyze", str(path), "--data", "mnist",
               "--samples", str(samples), "--out", str(out)]
    print("\n$ python -m learning analyze " + " ".join(command[4:]))
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    print(proc.stdout.rstrip() or proc.stderr.rstrip())
    print(f"(exit status {proc.returncode}, wall time {time.perf_counter() - start:.1f} s)")


def same_as_the_file(name: str, module, example, analysis_dir: Path, samples: int):
    """The network from PyTorch in memory, analysed on the digits the command used (the
    first ``samples`` of the seeded shuffle, inputs in [-1, 1], targets ±0.9): the same μ_k
    as the command found from the ONNX file (same mean state, same seeded probes)."""
    from learning.analysis import analyze_network
    from learning.io import from_torch

    data = load_mnist(input_scaling="symmetric", n_train=min(samples, 4000), n_test=1)
    hot = np.eye(10)[data.train.labels]
    result = analyze_network(from_torch(module, example), data.train.inputs,
                             np.where(hot > 0, 0.9, -0.9), seed=0)
    saved = json.loads((analysis_dir / "analysis.json").read_text())["result"]["spectrum"]
    mine = [result.spectrum.moment(k).value for k in (1, 2, 3, 4)]
    theirs = [saved["moments"][f"mu{k}"]["value"] for k in (1, 2, 3, 4)]
    print(f"{name} from PyTorch in memory: μ_1..μ_4 = "
          + ", ".join(f"{v:.6g}" for v in mine)
          + f"; the same as from the ONNX file: {bool(np.allclose(mine, theirs, rtol=1e-12))}")
    return result


def main(out: Path) -> None:
    fast = bool(os.environ.get("NT_EXAMPLES_FAST"))
    n_train, epochs, samples = (500, 1, 100) if fast else (4000, 3, 1000)
    mnist = load_mnist(n_train=n_train, n_test=1, seed=0, input_scaling="symmetric")
    images = mnist.train.inputs.reshape(-1, 1, 28, 28)
    results = {}
    if not HAS_TORCH:
        print("PyTorch not installed: LeNet-5 built from seeded NumPy weights (untrained)")
        net = numpy_lenet()
        from learning.analysis import analyze_network

        result = analyze_network(net, mnist.train.inputs[:samples], mnist.train.targets[:samples])
        results["lenet5"] = result
        print(f"lenet5 N = {net.n_neurons}: μ_2 = {result.spectrum.moment(2).value:.6g}, "
              f"μ_3 = {result.spectrum.moment(3).value:.6g}")
    else:
        import torch

        for name, module in torch_models().items():
            acc = train_torch(module, images, mnist.train.labels, epochs)
            path = out / f"{name}.onnx"
            example = torch.tensor(images[:1], dtype=torch.float32)
            torch.onnx.export(module, (example,), str(path), dynamo=False)
            print(f"trained {name} ({sum(p.numel() for p in module.parameters())} weights) "
                  f"for {epochs} epoch(s) on {n_train} digits: training accuracy {acc:.3f}; "
                  f"saved {path.name}")
            analyze_file(path, samples, out / f"{name}_analysis")
            results[name] = same_as_the_file(name, module, example, out / f"{name}_analysis",
                                             samples)
    plot(results)


def plot(results: dict) -> None:
    """The density of log λ of G (5.6) of each network at its mean state (the smoothed SLQ
    estimate, or the histogram of the exact spectrum)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.4))
    for name, result in results.items():
        d = result.spectrum.density
        ax.plot(d.grid, np.maximum(d.density, 1e-2), label=f"{name} ({d.kind})")
    ax.set(yscale="log", xlabel="log λ", ylabel="eigenvalues per unit log λ",
           title="spectrum of G at the mean state")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(sys.argv[1] if len(sys.argv) > 1 else scratch)
        target.mkdir(parents=True, exist_ok=True)
        main(target)
