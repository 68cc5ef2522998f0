"""Record a PyTorch Lightning run
=================================

The laws of learning (7.6), (7.11) on a run trained by PyTorch Lightning: the callback
``learning.track.lightning.LawsCallback`` hands the 784-40-20-10 tanh MLP's parameters to a
``learning.track.Recorder`` after every optimiser step; the recorder measures U (3.2), U_∂
(2.11) and the spectrum of G (5.6) at its log-spaced checkpoints, and
``learning.track.laws_report`` (``python -m learning laws RUN_DIR``) applies the laws.

Lightning is an optional extra (``pip install lightning``). Where it is not installed (the
documentation's own build) the example says so and draws the same figure from a committed run
of this example (``examples/data/track_lightning_figure.json``, sealed; its title names the
run's Lightning version and date). To remake that file, run the example with Lightning
installed and an OUTDIR, and copy ``OUTDIR/figure_data.json`` there.

Run:  python examples/track_lightning.py [OUTDIR]
(with NT_EXAMPLES_FAST=1, as in CI and the documentation build: 200 steps, 100 digits)
"""

import datetime
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from learning.experiments.datasets import load_mnist
from learning.track import Recorder, laws_report
from ntcore.atomic import atomic_write_json
from ntcore.integrity import read_sealed, seal

ENCODING = "pixels 0..255 -> [-1, 1] (symmetric); one-hot targets ±0.9 (pm0.9)"
SIZES = (784, 40, 20, 10)
#: The figure's data from a run of this example with Lightning installed (drawn where it is not).
# sphinx-gallery defines no __file__ and runs an example from its own directory
COMMITTED = Path("data") / "track_lightning_figure.json"
if "__file__" in globals():
    COMMITTED = Path(__file__).resolve().parent / COMMITTED


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


def draw(data: dict, note: str = "") -> None:
    """U_∂ and U at the checkpoints of a recorded run (``data`` as in figure_data.json)."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    steps_done = [max(s, 0.5) for s in data["steps"]]
    for key, label in (("boundary_loss", "U_∂ (2.11)"), ("bulk_loss", "U (3.2)")):
        ax.plot(steps_done, data[key], "o-", ms=3, label=label)
    ax.set(xscale="log", yscale="log", xlabel="Lightning global step (0 drawn at 0.5)",
           ylabel="loss", title="A Lightning run, recorded: the losses at the checkpoints" + note)
    ax.legend()
    fig.tight_layout()
    plt.show()


def draw_committed() -> None:
    """The committed run's figure, where Lightning is not installed; its seal checked first."""
    print("PyTorch Lightning is not installed here (pip install lightning to run this); "
          "drawing the committed run " + COMMITTED.name)
    data = read_sealed(COMMITTED)
    print("\n".join(f"{verdict}  (committed run)" for verdict in data["verdicts"]))
    draw(data, f"\n(committed run: {data['framework']}, {data['date']})")


def main(out: Path) -> None:
    if importlib.util.find_spec("lightning") is None or importlib.util.find_spec("torch") is None:
        draw_committed()
        return
    import lightning

    fast = bool(os.environ.get("NT_EXAMPLES_FAST"))
    steps, checkpoints, samples = (200, 6, 100) if fast else (3000, 14, 500)
    rec = train_with_lightning(out / "lightning", steps, checkpoints, samples)
    report = laws_report([out / "lightning"], out / "laws")
    verdicts = [f"{c.verdict.value:>12}  {c.text}" for c in report.section.claims]
    print("\n".join(verdicts))
    print(f"report: OUT/{report.markdown_path.relative_to(out)}")
    recorded = rec.wait()
    data = {"steps": list(recorded),
            **{key: [c.measurements[key] for c in recorded.values()]
               for key in ("boundary_loss", "bulk_loss")},
            "verdicts": verdicts, "config": {"steps": steps, "checkpoints": checkpoints,
                                             "samples": samples},
            "framework": f"Lightning {lightning.__version__}",
            "date": datetime.date.today().isoformat()}
    atomic_write_json(out / "figure_data.json", seal(data))
    draw(data)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        target = Path(sys.argv[1])
        target.mkdir(parents=True, exist_ok=True)
        main(target)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
