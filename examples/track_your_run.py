"""Test the laws on your own run
===============================

Record a training run with ``learning.track.Recorder`` and test the laws of learning on it:
the second law (7.6) (does the entropy S (7.1) fall?) and the first law (7.11)
(dU = T (dS_0 + dC)), with the main job's computed verdicts.

1. A network trained by any loop: here the toolkit's own NumPy trainer, which hands the
   recorder its weights at every checkpoint (the recorder needs only a mapping of arrays).
2. If PyTorch is installed, the same 784-40-20-10 tanh network trained by a plain PyTorch loop
   with one ``record_module`` call per step (``learning.track.torch``).
3. ``learning.track.laws_report`` on the recorded runs (one report comparing them), the
   same as ``python -m learning laws RUN_DIR [RUN_DIR ...]``: ``laws.md``, ``laws.json``,
   ``laws.png``; the claims are printed and S(t) is drawn.

Run:  python examples/track_your_run.py [OUTDIR]
(with NT_EXAMPLES_FAST=1, as in CI and the documentation build: 200 steps, 100 digits)
"""

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from learning.experiments.datasets import load_mnist
from learning.experiments.training import TrainingConfig, train
from learning.feedforward import layer_biases, layer_weights
from learning.track import Recorder, laws_report

ENCODING = "pixels 0..255 -> [-1, 1] (symmetric); one-hot targets ±0.9 (pm0.9)"
SIZES = (784, 40, 20, 10)


def parameters(net) -> dict:
    """A trained septuple's layers as the mapping the recorder takes (PyTorch's order)."""
    out = {}
    for l, (w, b) in enumerate(zip(layer_weights(net), layer_biases(net), strict=True)):
        out[f"{2 * l}.weight"], out[f"{2 * l}.bias"] = np.asarray(w), np.asarray(b)
    return out


def record_numpy_run(run_dir: Path, mnist, steps: int, checkpoints: int, samples: int) -> None:
    rec = Recorder(run_dir, (SIZES, "tanh"), data=mnist.train.subset(slice(0, samples)),
                   test=mnist.test, encoding=ENCODING, every="log", n_steps=steps,
                   n_checkpoints=checkpoints, n_bulk_samples=samples)
    config = TrainingConfig(sizes=SIZES, seed=0, n_epochs=steps, n_checkpoints=checkpoints)

    def measure(net, step: int) -> dict:
        rec.record(step, parameters(net))  # the trainer calls this at its checkpoints
        return {}

    train(config, mnist.train, progress=False, measure=measure)
    print(f"numpy run: {len(rec.checkpoints)} checkpoints, measuring took "
          f"{rec.measure_seconds:.2f} s")


def record_torch_run(run_dir: Path, mnist, steps: int, checkpoints: int, samples: int) -> None:
    import torch

    from learning.track.torch import record_module

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 40), torch.nn.Tanh(),
                                torch.nn.Linear(40, 20), torch.nn.Tanh(),
                                torch.nn.Linear(20, 10), torch.nn.Tanh()).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, t = torch.from_numpy(mnist.train.inputs), torch.from_numpy(mnist.train.targets)
    rec = Recorder(run_dir, (SIZES, "tanh"), data=mnist.train.subset(slice(0, samples)),
                   test=mnist.test, encoding=ENCODING, every="log", n_steps=steps,
                   n_checkpoints=checkpoints, n_bulk_samples=samples)
    gen = torch.Generator().manual_seed(1)
    for step in range(steps + 1):
        record_module(rec, step, model)  # one call per step; measures only when due
        idx = torch.randperm(len(x), generator=gen)[:100]
        opt.zero_grad()
        (0.5 * ((model(x[idx]) - t[idx]) ** 2).sum(dim=1).mean()).backward()
        opt.step()
    print(f"torch run: {len(rec.checkpoints)} checkpoints, measuring took "
          f"{rec.measure_seconds:.2f} s")


def _torch_installed() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main(out: Path) -> None:
    fast = bool(os.environ.get("NT_EXAMPLES_FAST"))
    steps, checkpoints, samples = (200, 6, 100) if fast else (3000, 14, 500)
    mnist = load_mnist(n_train=2000, n_test=300, seed=0)
    runs = [out / "numpy"]
    record_numpy_run(runs[0], mnist, steps, checkpoints, samples)
    if _torch_installed():
        runs.append(out / "torch")
        record_torch_run(runs[1], mnist, steps, checkpoints, samples)
    else:
        print("PyTorch not installed: only the NumPy run is recorded")
    report = laws_report(runs, out / "laws")
    for c in report.section.claims:
        print(f"{c.verdict.value:>12}  {c.text}")
    print(f"report: OUT/{report.markdown_path.relative_to(out)}")
    plot_entropy(report.json_path)


def plot_entropy(json_path: Path) -> None:
    """S(t) - S(0) of (7.1) at β = 1 with log Z of (5.14), one line per recorded run."""
    import matplotlib.pyplot as plt

    numbers = json.loads(json_path.read_text())
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for label, run in numbers["runs"].items():
        reading = next(r for r in run["entropy"] if r["choice"] == "β = 1"
                       and r["form"] == "(5.14)")
        s = np.asarray(reading["S"])
        ax.plot(np.maximum(reading["epochs"], 0.5), s - s[0], "o-", ms=3,
                label=f"{label}: {reading['literal_verdict']} (literal)")
    ax.set(xscale="log", xlabel="step (step 0 drawn at 0.5)", ylabel="S(t) - S(0)",
           title="(7.6) on recorded runs: S (7.1) at β = 1, log Z (5.14)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        target = Path(sys.argv[1])
        target.mkdir(parents=True, exist_ok=True)
        main(target)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
