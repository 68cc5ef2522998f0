"""Analyse your own network
=========================

Train an MLP, save it in every format installed, read each file back and compute the paper's
quantities for it.

1. Trains the paper's deep tanh network 784-40-20-10 on the bundled MNIST digits with this
   package (mini-batch SGD on the boundary loss (2.11), 2000 steps).
2. Saves it the way other libraries would: NumPy ``.npz`` (``learning.io.save_network``),
   safetensors (PyTorch names ``0.weight``, ``0.bias``, ``2.weight`` ...), a Keras ``.h5``
   (legacy layout, kernels ``(n_in, n_out)``, written with h5py), an ONNX graph (Gemm + Tanh,
   built with ``onnx.helper``) and, if PyTorch is installed, a ``.pt`` state dict.
3. Loads every file with ``learning.io.load_network`` and analyses it with
   ``learning.analysis.analyze_network`` on 300 training digits: every format gives the
   same numbers.
4. Runs ``python -m learning analyze`` on the ``.npz`` with ``--data mnist``.
5. One activation per layer, as PyTorch and Keras MLPs usually have: a relu, relu, linear
   784-40-20-10 network (as initialised: this package's training takes one f for every
   layer) saved as bare safetensors, which do not name activations. The command refuses it
   without ``--activation`` and says what to pass; with ``--activation relu,relu,linear`` it
   analyses it.

Run:  pip install -e ".[io]"  &&  python examples/analyze_your_network.py [OUTDIR]
(with NT_EXAMPLES_FAST=1, as in CI and the documentation build: 300 steps, 100 digits)

Printed output (2 cores, quiet machine; the timings vary)::

    trained 784-40-20-10 tanh for 2000 steps: boundary loss U_∂ 4.098 -> 0.06457
    saved: net.npz, net.safetensors, net.h5, net.onnx (PyTorch not installed: no .pt)
    file             format       μ_2 (9.6)  μ_3 (9.6)   U/U_∂  gap log λ  β two-level  β (9.4)
    net.npz          npz            54.3704   -21.2672  0.5858     -1.954       0.7265    1.261
    net.safetensors  safetensors    54.3704   -21.2672  0.5858     -1.954       0.7265    1.261
    net.h5           h5             54.3704   -21.2672  0.5858     -1.954       0.7265    1.261
    net.onnx         onnx           54.3704   -21.2672  0.5858     -1.954       0.7265    1.261
    every format gives the same μ_2, μ_3 and U: True

    $ python -m learning analyze OUT/net.npz --data mnist --samples 300 --out OUT/analysis
    network     784-40-20-10 tanh, N = 854  (npz file OUT/net.npz)
    mean state  bulk minimum: data given: the mean of the constrained bulk minimisers x̄ (3.2)
                over 300 samples
    spectrum    of G (5.6): exact (structured), 110 of 854 eigenvalues != 1, 0.00 s
      μ_1 = Tr (log G)^1 = -8.88178e-16 (exact)
      μ_2 = Tr (log G)^2 = 54.3704 (exact)
      μ_3 = Tr (log G)^3 = -21.2672 (exact)
      μ_4 = Tr (log G)^4 = 125.557 (exact)
      λ_max = 5.69577, λ_min = 0.0892695
    gap         of log λ at -1.954 (width 0.458, 2 below) -> β = 0.7265 by the two-level
                model (9.3) (corrected); β = 1.261 by the paper's (9.4)
    N_>         (6.6) λ > 1/β: 26 at β = 0.7265 (two-level), 826 at β = 1.261 (paper (9.4))
    C_n         (10.5): C_1 = 783.904, C_10 = 778.331, C_20 = 774.902, C_834 = 773.941,
                C_844 = 777.127, C_853 = 783.565
    losses      U = 0.039517, U_∂ = 0.067454, U/U_∂ = 0.5858 (300 samples, 300 of them
                with the bulk minimum converged)
    claim       Σ log λ = log det G = 0 for a feedforward network (7.7)-(7.8): holds (holds
                if |μ_1| <= 8.54e-07)
    claim       U < U_∂: the bulk loss lies below the boundary loss (Section 10): holds
                (holds if U_∂ - U is positive beyond ±0)
    report      OUT/analysis/report.md  (0.2 s)

    $ python -m learning analyze OUT/relu.safetensors --data mnist --samples 300
    python -m learning analyze: error: OUT/relu.safetensors: the file does not say the
    activation of layers ['0', '2', '4']; pass activation= (one of ['linear', 'relu',
    'sigmoid', 'tanh'], or one per layer separated by commas) or --activation
    (exit status 2)

    $ python -m learning analyze OUT/relu.safetensors --data mnist --samples 300 --activation
      relu,relu,linear --out OUT/relu_analysis
    network     784-40-20-10 relu,relu,linear, N = 854  (safetensors file OUT/relu.safetensors)
    ...
      μ_2 = Tr (log G)^2 = 72.8878 (exact)
      μ_3 = Tr (log G)^3 = -26.566 (exact)
    ...
    losses      U = 2.9567, U_∂ = 4.1937, U/U_∂ = 0.705 (300 samples, 300 of them with the
                bulk minimum converged)
    ...

(Long lines are wrapped here; ``...`` marks lines left out.)
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from learning.analysis import analyze_network
from learning.experiments.datasets import load_mnist
from learning.experiments.training import TrainingConfig, train
from learning.feedforward import feedforward, layer_biases, layer_weights
from learning.io import load_network, save_network


def save_every_format(net, out: Path) -> list[Path]:
    """The network in each format whose library is installed, as that library lays it out."""
    weights = [np.array(w) for w in layer_weights(net)]
    biases = [np.array(b) for b in layer_biases(net)]
    paths = [out / "net.npz"]
    save_network(net, paths[0])
    if importlib.util.find_spec("safetensors"):
        from safetensors.numpy import save_file

        tensors = {}
        for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
            tensors[f"{2 * l}.weight"], tensors[f"{2 * l}.bias"] = w, b  # nn.Sequential names
        save_file(tensors, str(out / "net.safetensors"), metadata={"activation": "tanh"})
        paths.append(out / "net.safetensors")
    if importlib.util.find_spec("h5py"):
        import h5py

        layers = [{"class_name": "InputLayer", "config": {"name": "input"}}]
        with h5py.File(out / "net.h5", "w") as f:
            root = f.create_group("model_weights")
            for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
                name = f"dense_{l}"
                layers.append({"class_name": "Dense", "config": {
                    "name": name, "units": w.shape[0], "activation": "tanh", "use_bias": True}})
                g = root.create_group(name)
                g.attrs["weight_names"] = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
                g.create_dataset(f"{name}/kernel:0", data=w.T)  # Keras: (n_in, n_out)
                g.create_dataset(f"{name}/bias:0", data=b)
            f.attrs["model_config"] = json.dumps(
                {"class_name": "Sequential", "config": {"layers": layers}})
        paths.append(out / "net.h5")
    if importlib.util.find_spec("onnx"):
        import onnx
        from onnx import TensorProto, helper, numpy_helper

        nodes, inits, current = [], [], "x"
        for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
            inits += [numpy_helper.from_array(w, f"W{l}"), numpy_helper.from_array(b, f"b{l}")]
            nodes += [helper.make_node("Gemm", [current, f"W{l}", f"b{l}"], [f"y{l}"],
                                       name=f"fc{l}", transB=1),
                      helper.make_node("Tanh", [f"y{l}"], [f"a{l}"], name=f"tanh{l}")]
            current = f"a{l}"
        graph = helper.make_graph(
            nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, 784])],
            [helper.make_tensor_value_info(current, TensorProto.DOUBLE, [None, 10])], inits)
        onnx.save(helper.make_model(graph), str(out / "net.onnx"))
        paths.append(out / "net.onnx")
    if importlib.util.find_spec("torch"):
        import torch

        state = {}
        for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
            state[f"{2 * l}.weight"], state[f"{2 * l}.bias"] = (torch.from_numpy(w),
                                                              torch.from_numpy(b))
        torch.save(state, out / "net.pt")
        paths.append(out / "net.pt")
    return paths


def main(out: Path) -> None:
    fast = bool(os.environ.get("NT_EXAMPLES_FAST"))
    steps, n_samples = (300, 100) if fast else (2000, 300)
    mnist = load_mnist(n_train=2000, n_test=200, seed=0)
    config = TrainingConfig(sizes=(784, 40, 20, 10), activation="tanh", seed=0,
                            n_epochs=steps, n_checkpoints=2)
    run = train(config, mnist.train, progress=False)
    net = run.final.septuple
    print(f"trained 784-40-20-10 tanh for {config.n_epochs} steps: boundary loss U_∂ "
          f"{run.checkpoints[0].boundary_loss:.4g} -> {run.final.boundary_loss:.4g}")
    paths = save_every_format(net, out)
    missing = "" if any(p.suffix == ".pt" for p in paths) else " (PyTorch not installed: no .pt)"
    print("saved: " + ", ".join(p.name for p in paths) + missing)

    inputs, targets = mnist.train.inputs[:n_samples], mnist.train.targets[:n_samples]
    print(f"{'file':<16} {'format':<11} {'μ_2 (9.6)':>10} {'μ_3 (9.6)':>10} {'U/U_∂':>7} "
          f"{'gap log λ':>10} {'β two-level':>12} {'β (9.4)':>8}")
    rows = []
    for path in paths:
        extra = {"activation": "tanh"} if path.suffix == ".pt" else {}
        res = analyze_network(load_network(path, **extra), inputs, targets)
        mu2, mu3 = res.spectrum.moment(2).value, res.spectrum.moment(3).value
        rows.append((mu2, mu3, res.losses.bulk))
        print(f"{path.name:<16} {path.suffix[1:]:<11} {mu2:>10.6g} {mu3:>10.6g} "
              f"{res.losses.ratio:>7.4f} {res.gap.position:>10.4g} "
              f"{res.gap.beta_two_level:>12.4g} {res.gap.beta_paper:>8.4g}")
    print(f"every format gives the same μ_2, μ_3 and U: {all(r == rows[0] for r in rows)}")
    plot_log_density(res)

    command = [sys.executable, "-m", "learning", "analyze", str(out / "net.npz"),
               "--data", "mnist", "--samples", str(n_samples), "--out", str(out / "analysis")]
    run_shown(command, out)
    if importlib.util.find_spec("safetensors"):
        per_layer_activations(out, n_samples)


def run_shown(command: list[str], out: Path, *, check: bool = True) -> None:
    """Run ``python -m learning analyze ...`` and print it and its output with the output
    directory shown as OUT (as in the docstring above)."""
    print("\n$ python -m learning analyze " + " ".join(command[4:]).replace(str(out), "OUT"))
    done = subprocess.run(command, capture_output=True, text=True)
    text = (done.stdout if done.returncode == 0 else done.stderr.strip().splitlines()[-1]
            + f"\n(exit status {done.returncode})")
    print(text.rstrip().replace(str(out), "OUT"))
    if check and done.returncode != 0:
        raise SystemExit(done.stderr)


def plot_log_density(result) -> None:
    """The density of log λ of G (5.6) at the mean state, on a logarithmic count axis so
    that the tails (the eigenvalues that set the gap and β, Section 9) show."""
    import matplotlib.pyplot as plt

    density = result.spectrum.density
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.step(density.grid, np.maximum(density.density, 1e-3), where="mid")
    ax.axvline(result.gap.position, color="C3", ls="--", label=f"gap at {result.gap.position:.3g}")
    ax.set(yscale="log", ylim=(0.5, None), xlabel="log λ", ylabel="eigenvalues per unit log λ",
           title=f"spectrum of G, {density.kind} "
                 f"({density.n_at_one} eigenvalues at λ = 1 left out)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


def per_layer_activations(out: Path, n_samples: int) -> None:
    """A relu, relu, linear MLP as bare safetensors: refused without --activation, then
    analysed with one activation per layer (2.6)."""
    from safetensors.numpy import save_file

    net = feedforward((784, 40, 20, 10), activation=["relu", "relu", "linear"], seed=0)
    tensors = {}
    for l, (w, b) in enumerate(zip(layer_weights(net), layer_biases(net), strict=True)):
        tensors[f"{2 * l}.weight"], tensors[f"{2 * l}.bias"] = np.array(w), np.array(b)
    path = out / "relu.safetensors"
    save_file(tensors, str(path))  # no metadata: the file does not say its activations
    command = [sys.executable, "-m", "learning", "analyze", str(path), "--data", "mnist",
               "--samples", str(n_samples)]
    run_shown(command, out, check=False)  # refused: the file does not name its activations
    command += ["--activation", "relu,relu,linear", "--out", str(out / "relu_analysis")]
    run_shown(command, out)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        target = Path(sys.argv[1])
        target.mkdir(parents=True, exist_ok=True)
        main(target)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
