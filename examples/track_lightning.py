"""Record a PyTorch Lightning run
=================================

The laws of learning (7.6), (7.11) on a run trained by PyTorch Lightning: the callback
``learning.track.lightning.LawsCallback`` hands the 784-40-20-10 tanh MLP's parameters to a
``learning.track.Recorder`` after every optimiser step; the recorder measures U (3.2), U_∂
(2.11) and the spectrum of G (5.6) at its log-spaced checkpoints, and
``learning.track.laws_report`` (``python -m learning laws RUN_DIR``) applies the laws.

Lightning is an optional extra (``pip install lightning``): where it is not installed (the
documentation's own build) the example says so and draws nothing but that sentence.

Run:  python examples/track_lightning.py [OUTDIR]
(with NT_EXAMPLES_FAST=1, as in CI and the documentation build: 200 steps, 100 digits)
"""

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from learning.experiments.datasets import load_mnist
from learning.track import Recorder, laws_report

ENCODING = "pixels 0..255 -> [-1, 1] (symmetric); one-hot targets ±0.9 (pm0.9)"
SIZES = (784, 40, 20, 10)


def train_with_lightning(run_dir: Path, steps: int, checkpoints: int, samples: int) -> Recorder:
    import lightning
    import torch

    from learning.track.lightning import LawsCallback

    mnist = load_mnist(n_train=2000, n_test=300, seed=0)

    class Digits(lightning.LightningModule):
        def __init__(self):
            super().__init__()
            layers = []
            for a, b in zip(SIZES[:-1], SIZES[1:], strict=True):
                layers += [torch.nn.Linear(a, b), torch.nn.Tanh()]
            self.net = torch.nn.Sequential(*layers)

        def training_step(self, batch, _):
            x, t = batch
            return 0.5 * ((self.net(x) - t) ** 2).sum(dim=1).mean()  # the loss (2.11)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.05)

    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.from_numpy(mnist.train.inputs).float(),
                                          torch.from_numpy(mnist.train.targets).float())
    loader = torch.utils.data.DataLoader(data, batch_size=100, shuffle=True)
    rec = Recorder(run_dir, (SIZES, "tanh"), data=mnist.train.subset(slice(0, samples)),
                   test=mnist.test, encoding=ENCODING, every="log", n_steps=steps,
                   n_checkpoints=checkpoints, n_bulk_samples=samples)
    trainer = lightning.Trainer(max_steps=steps, callbacks=[LawsCallback(rec, "net")],
                                logger=False, enable_checkpointing=False,
                                enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Digits(), loader)
    print(f"Lightning run: {len(rec.checkpoints)} checkpoints, training "
          f"{rec.train_seconds:.1f} s, measuring {rec.measure_seconds:.1f} s")
    return rec


def main(out: Path) -> None:
    if importlib.util.find_spec("lightning") is None or importlib.util.find_spec("torch") is None:
        message = "PyTorch Lightning is not installed here: pip install lightning to run this"
        print(message)
        fig, ax = plt.subplots(figsize=(6, 1.2))
        ax.axis("off")
        ax.text(0.5, 0.5, message, ha="center", va="center")
        plt.show()
        return
    fast = bool(os.environ.get("NT_EXAMPLES_FAST"))
    steps, checkpoints, samples = (200, 6, 100) if fast else (3000, 14, 500)
    rec = train_with_lightning(out / "lightning", steps, checkpoints, samples)
    report = laws_report([out / "lightning"], out / "laws")
    for c in report.section.claims:
        print(f"{c.verdict.value:>12}  {c.text}")
    print(f"report: OUT/{report.markdown_path.relative_to(out)}")
    recorded = rec.wait()
    steps_done = [max(s, 0.5) for s in recorded]
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for key, label in (("boundary_loss", "U_∂ (2.11)"), ("bulk_loss", "U (3.2)")):
        ax.plot(steps_done, [c.measurements[key] for c in recorded.values()], "o-", ms=3,
                label=label)
    ax.set(xscale="log", yscale="log", xlabel="Lightning global step (0 drawn at 0.5)",
           ylabel="loss", title="A Lightning run, recorded: the losses at the checkpoints")
    ax.legend()
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
