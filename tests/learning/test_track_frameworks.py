"""learning.track adapters with their frameworks (skipped where a framework is missing).

The reference for the PyTorch loop is the toolkit's own NumPy trainer
(:func:`learning.experiments.training.train`): the same network, initial weights and batches,
trained by two independent SGD implementations in float64, give recorded trajectories equal
to 1e-8 and the same verdicts.
"""

import os

import numpy as np
import pytest

from learning.experiments.laws_report import laws_section
from learning.experiments.measurements import measure_checkpoint
from learning.experiments.training import TrainingConfig, checkpoint_epochs, train
from learning.feedforward import feedforward, layer_biases, layer_weights
from learning.track import Recorder, laws_report
from tests.learning.test_track import _data

# These toy runs take milliseconds per step, so measuring rightly outweighs training and the
# recorder says so (a RuntimeWarning, an error under the project's filterwarnings); that
# warning is tested in test_track.py, here it is expected.
pytestmark = pytest.mark.filterwarnings(
    "ignore:measuring .* now exceeds training:RuntimeWarning")

CONFIG = TrainingConfig(sizes=(4, 6, 5, 2), seed=3, learning_rate=0.2, batch_size=8,
                        n_epochs=60, n_checkpoints=7)
BULK = 20


def _toolkit_run():
    data = _data()
    run = train(CONFIG, data, progress=False, measure=lambda net, e: measure_checkpoint(
        net, data, data, n_bulk_samples=BULK).to_dict())
    return {"label": "run", "group": "deep", "sizes": list(CONFIG.sizes),
            "checkpoints": [{"epoch": c.epoch, "measurements": c.measurements}
                            for c in run.checkpoints]}


def _torch_model(torch):
    init_seed, batch_seed = np.random.SeedSequence(CONFIG.seed).spawn(2)
    net0 = feedforward(CONFIG.sizes, "tanh", seed=np.random.default_rng(init_seed))
    layers = []
    for w, b in zip(layer_weights(net0), layer_biases(net0), strict=True):
        lin = torch.nn.Linear(w.shape[1], w.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.array(w)))
            lin.bias.copy_(torch.from_numpy(np.array(b)))
        layers += [lin, torch.nn.Tanh()]
    return torch.nn.Sequential(*layers), np.random.default_rng(batch_seed)


def test_pytorch_loop_records_the_toolkits_trajectory(tmp_path):
    torch = pytest.importorskip("torch")
    from learning.track.torch import record_module

    data = _data()
    model, rng = _torch_model(torch)
    opt = torch.optim.SGD(model.parameters(), lr=CONFIG.learning_rate)
    x, t = torch.from_numpy(data.inputs), torch.from_numpy(data.targets)
    steps = checkpoint_epochs(CONFIG)
    rec = Recorder(tmp_path / "run", (CONFIG.sizes, "tanh"), data=data, encoding="synthetic",
                   every="log", n_steps=CONFIG.n_epochs, n_checkpoints=CONFIG.n_checkpoints,
                   n_bulk_samples=BULK)
    for step in range(CONFIG.n_epochs + 1):
        record_module(rec, step, model)
        idx = torch.from_numpy(rng.choice(len(data), size=CONFIG.batch_size, replace=False))
        opt.zero_grad()
        loss = 0.5 * ((model(x[idx]) - t[idx]) ** 2).sum(dim=1).mean()
        loss.backward()
        opt.step()
    reference = _toolkit_run()
    assert sorted(rec.checkpoints) == list(steps)
    for c in reference["checkpoints"]:
        got, want = rec.checkpoints[c["epoch"]].measurements, c["measurements"]
        for key in ("boundary_loss", "bulk_loss", "mu2", "mu3", "C_20", "test_accuracy"):
            assert got[key] == pytest.approx(want[key], rel=1e-8, abs=1e-8), key
        np.testing.assert_allclose(got["log_lambda_dynamical"], want["log_lambda_dynamical"],
                                   rtol=1e-8, atol=1e-8)
    ours = laws_report(tmp_path / "run").section
    theirs = laws_section([reference])
    assert [(c.text, c.verdict) for c in ours.claims] == [
        (c.text, c.verdict) for c in theirs.claims]


def test_lightning_callback_records_every_step(tmp_path):
    torch = pytest.importorskip("torch")
    lightning = pytest.importorskip("lightning")
    from learning.track.lightning import LawsCallback

    data = _data()

    class Module(lightning.LightningModule):
        def __init__(self):
            super().__init__()
            self.net, _ = _torch_model(torch)

        def training_step(self, batch, _):
            xb, tb = batch
            return 0.5 * ((self.net(xb) - tb) ** 2).sum(dim=1).mean()

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    ds = torch.utils.data.TensorDataset(torch.from_numpy(data.inputs),
                                        torch.from_numpy(data.targets))
    loader = torch.utils.data.DataLoader(ds, batch_size=10)
    rec = Recorder(tmp_path / "run", (CONFIG.sizes, "tanh"), data=data, encoding="synthetic",
                   every=2, n_bulk_samples=BULK)
    trainer = lightning.Trainer(max_epochs=2, callbacks=[LawsCallback(rec, "net")],
                                logger=False, enable_checkpointing=False,
                                enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Module(), loader)
    assert sorted(rec.checkpoints) == [0, 2, 4, 6, 8]
    assert all(c.measurements["boundary_loss"] > 0 for c in rec.checkpoints.values())


def test_keras_callback_records_every_step(tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    from learning.track.keras import LawsCallback

    data = _data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="tanh"),
                              keras.layers.Dense(5, activation="tanh"),
                              keras.layers.Dense(2, activation="tanh")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    rec = Recorder(tmp_path / "run", (CONFIG.sizes, "tanh"), data=data, encoding="synthetic",
                   every=2, n_bulk_samples=BULK, kernel_layout="in_out")
    model.fit(data.inputs, data.targets, batch_size=10, epochs=2, verbose=0,
              callbacks=[LawsCallback(rec)])
    assert sorted(rec.checkpoints) == [0, 2, 4, 6, 8]
    with pytest.raises(ValueError, match="in_out"):
        LawsCallback(Recorder(tmp_path / "other", (CONFIG.sizes, "tanh")))


def test_torch_adapter_refuses_another_activation(tmp_path):
    torch = pytest.importorskip("torch")
    from learning.track.torch import record_module

    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 5),
                                torch.nn.ReLU(), torch.nn.Linear(5, 2))
    rec = Recorder(tmp_path, (CONFIG.sizes, "tanh"))
    with pytest.raises(ValueError, match="relu"):
        record_module(rec, 0, model)
    with pytest.raises(TypeError, match="nn.Module"):
        record_module(rec, 0, {"w": 1})
