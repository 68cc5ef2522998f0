"""Record a Keras run
====================

The laws of learning (7.6), (7.11) on a run trained by Keras 3: the callback
``learning.track.keras.LawsCallback`` hands the 784-40-20-10 tanh MLP's kernels and biases to a
``learning.track.Recorder`` (built with ``kernel_layout="in_out"``: a Keras ``Dense`` kernel
is (n_in, n_out)) after every batch; the recorder measures U (3.2), U_∂ (2.11) and the
spectrum of G (5.6) at its log-spaced checkpoints, and ``learning.track.laws_report``
(``python -m learning laws RUN_DIR``) applies the laws.

Keras is an optional extra (``pip install keras``, with a backend: PyTorch is used when
TensorFlow is absent). Where it is not installed (the documentation's own build) the example
says so and draws the same figure from a committed run of this example
(``examples/data/track_keras_figure.json``, sealed; its title names the run's Keras version and
date). To remake that file, run the example with Keras installed and an OUTDIR, and copy
``OUTDIR/figure_data.json`` there.

Run:  python examples/track_keras.py [OUTDIR]
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
#: The figure's data from a run of this example with Keras installed (drawn where it is not).
# sphinx-gallery defines no __file__ and runs an example from its own directory
COMMITTED = Path("data") / "track_keras_figure.json"
if "__file__" in globals():
    COMMITTED = Path(__file__).resolve().parent / COMMITTED


def _keras_usable() -> bool:
    """Keras and one backend it can run on (TensorFlow, else PyTorch via KERAS_BACKEND)."""
    if importlib.util.find_spec("keras") is None:
        return False
    if importlib.util.find_spec("tensorflow") is None:
        if importlib.util.find_spec("torch") is None:
            return False
        os.environ.setdefault("KERAS_BACKEND", "torch")
    return True


def train_with_keras(run_dir: Path, steps: int, checkpoints: int, samples: int) -> Recorder:
    import keras

    from learning.track.keras import LawsCallback

    mnist = load_mnist(n_train=2000, n_test=300, seed=0)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((SIZES[0],))]
                             + [keras.layers.Dense(n, activation="tanh") for n in SIZES[1:]])
    # mean over the batch of sum_i (x_i - t_i)^2, i.e. twice the loss (2.11) per sample
    model.compile(optimizer=keras.optimizers.SGD(0.025), loss="mse")
    rec = Recorder(run_dir, (SIZES, "tanh"), data=mnist.train.subset(slice(0, samples)),
                   test=mnist.test, encoding=ENCODING, every="log", n_steps=steps,
                   n_checkpoints=checkpoints, n_bulk_samples=samples, kernel_layout="in_out")
    batches = len(mnist.train) // 100
    model.fit(mnist.train.inputs, mnist.train.targets, batch_size=100,
              epochs=-(-steps // batches), verbose=0,
              callbacks=[LawsCallback(rec)])
    print(f"Keras run ({keras.backend.backend()} backend): {len(rec.checkpoints)} checkpoints, "
          f"training {rec.train_seconds:.1f} s, measuring {rec.measure_seconds:.1f} s")
    return rec


def draw(data: dict, note: str = "") -> None:
    """U / U_∂ at the checkpoints of a recorded run (``data`` as in figure_data.json)."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.plot([max(s, 0.5) for s in data["steps"]], data["ratio_bulk_to_boundary"], "o-", ms=3)
    ax.set(xscale="log", xlabel="batches trained (0 drawn at 0.5)", ylabel="U / U_∂",
           title="A Keras run, recorded: bulk (3.2) to boundary (2.11) loss" + note)
    fig.tight_layout()
    plt.show()


def draw_committed() -> None:
    """The committed run's figure, where Keras is not installed; its seal checked first."""
    print("Keras 3 with a backend is not installed here (pip install keras to run this); "
          "drawing the committed run " + COMMITTED.name)
    data = read_sealed(COMMITTED)
    print("\n".join(f"{verdict}  (committed run)" for verdict in data["verdicts"]))
    draw(data, f"\n(committed run: {data['framework']}, {data['date']})")


def main(out: Path) -> None:
    if not _keras_usable():
        draw_committed()
        return
    import keras

    fast = bool(os.environ.get("NT_EXAMPLES_FAST"))
    steps, checkpoints, samples = (200, 6, 100) if fast else (3000, 14, 500)
    rec = train_with_keras(out / "keras", steps, checkpoints, samples)
    report = laws_report([out / "keras"], out / "laws")
    verdicts = [f"{c.verdict.value:>12}  {c.text}" for c in report.section.claims]
    print("\n".join(verdicts))
    recorded = rec.wait()
    data = {"steps": list(recorded),
            "ratio_bulk_to_boundary": [c.measurements["ratio_bulk_to_boundary"]
                                       for c in recorded.values()],
            "verdicts": verdicts, "config": {"steps": steps, "checkpoints": checkpoints,
                                             "samples": samples},
            "framework": f"Keras {keras.__version__}, {keras.backend.backend()} backend",
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
