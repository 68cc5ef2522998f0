"""Mini-batch SGD of layered septuples in NumPy (Section 10), resumable.

Loss: the boundary loss (2.11), ½ Σ_out (x̄ - x_∂)² per sample, as the paper trained; or,
as an option, the bulk loss (3.1) at its constrained minimum (3.2), whose gradient in
(w, b) is ∂H/∂θ at the minimiser x̄ (envelope theorem).

"Epoch": the paper trains "for 30,000 epochs with 6,000 samples" without saying what an
epoch is.  ``epoch="step"`` (default) reads it as one mini-batch update;
``epoch="pass"`` as one pass over the training set (n_train / batch_size updates).

Checkpoints at log-spaced epochs (0 and ``n_epochs`` included) hold the weights, the
generator state and the measurements; a run killed at any point and restarted with the
same ``out_dir`` and config resumes from its last checkpoint and ends bit-identical to an
uninterrupted run.  Each checkpoint's JSON records the SHA-256 of its weights file and of
its own content (:mod:`ntcore.integrity`: an edited measurement is caught); on resume the
checkpoints are read in epoch order and the first one that is missing, corrupt, edited
or truncated is named (a warning, and ``TrainingRun.checkpoint_problems``): the run resumes
from the last good one before it and recomputes everything after.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

from learning.activations import Activation, get_activation
from learning.experiments._arguments import choice, instance, nonempty
from learning.experiments.datasets import Dataset
from learning.experiments.measurements import mean_boundary_loss
from learning.feedforward import feedforward, from_layers, layer_biases, layer_weights
from learning.septuple import Septuple
from learning.threads import blas_threads_for, largest_product_flops
from ntcore.atomic import atomic_write, remove_stale_temporaries, sha256_file
from ntcore.checks import count, path_like, positive_number, real_number
from ntcore.integrity import seal, seal_problem
from ntcore.provenance import library_versions

__all__ = ["TrainingConfig", "Checkpoint", "TrainingRun", "checkpoint_epochs", "log_spaced_steps",
           "save_checkpoint", "train"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that determines a training run (stored as config.json next to it)."""

    sizes: tuple[int, ...] = (784, 40, 20, 10)
    activation: str = "tanh"
    seed: int = 0
    learning_rate: float = 0.05
    batch_size: int = 100
    weight_scale: float = 1.0
    n_epochs: int = 1000
    epoch: str = "step"
    loss: str = "boundary"
    n_checkpoints: int = 12

    def __post_init__(self) -> None:
        if isinstance(self.sizes, (str, bytes)) or not isinstance(self.sizes, Sequence):
            raise TypeError(f"sizes must be a sequence of layer sizes, got "
                            f"{type(self.sizes).__name__}")
        object.__setattr__(self, "sizes", tuple(count("sizes", s) for s in self.sizes))
        if len(self.sizes) < 2 or any(s < 1 for s in self.sizes):
            raise ValueError(f"sizes must be >= 2 positive layer sizes, got {self.sizes}")
        if isinstance(self.activation, str) and "," in self.activation:
            # The SGD below back-propagates one f for every layer (a per-layer f, which the
            # analysis of saved networks takes, is not implemented in training).
            raise ValueError(f"activation must be one name for every layer, got "
                             f"{self.activation!r}: training does not take one activation "
                             "per layer")
        get_activation(self.activation)
        count("seed", self.seed)
        positive_number("learning_rate", self.learning_rate)
        count("batch_size", self.batch_size, minimum=1)
        if real_number("weight_scale", self.weight_scale) < 0:
            raise ValueError(f"weight_scale must be finite and >= 0, got {self.weight_scale}")
        count("n_epochs", self.n_epochs)
        choice("epoch", self.epoch, ("step", "pass"))
        choice("loss", self.loss, ("boundary", "bulk"))
        count("n_checkpoints", self.n_checkpoints, minimum=2)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sizes"] = list(self.sizes)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TrainingConfig:
        return cls(**{**d, "sizes": tuple(d["sizes"])})


def checkpoint_epochs(config: TrainingConfig) -> tuple[int, ...]:
    """Log-spaced checkpoint epochs from 0 to ``n_epochs`` (both included)."""
    instance("config", config, TrainingConfig)
    return log_spaced_steps(config.n_epochs, config.n_checkpoints)


def log_spaced_steps(n_steps: int, n_checkpoints: int) -> tuple[int, ...]:
    """0, ``n_steps`` and ``n_checkpoints - 1`` log-spaced steps from 1 to ``n_steps``
    (rounded; duplicates merged), the main job's checkpoint schedule of Section 10.

    >>> log_spaced_steps(1000, 5)
    (0, 1, 10, 100, 1000)
    >>> log_spaced_steps(0, 5)
    (0,)
    """
    count("n_steps", n_steps)
    count("n_checkpoints", n_checkpoints, minimum=2)
    if n_steps == 0:
        return (0,)
    raw = np.logspace(0, np.log10(n_steps), n_checkpoints - 1)
    return tuple(sorted({0, n_steps, *map(int, np.round(raw))}))


@dataclass(frozen=True, eq=False)
class Checkpoint:
    """A saved state: epoch, network, mean boundary loss (2.11) on the training set, and the
    measurements returned by the ``measure`` callback."""

    epoch: int
    septuple: Septuple
    boundary_loss: float
    measurements: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """All checkpoints of a run with its configuration and provenance."""

    config: TrainingConfig
    checkpoints: tuple[Checkpoint, ...]
    resumed_from_epoch: int | None
    versions: dict
    wall_time: float
    checkpoint_problems: tuple[str, ...] = ()

    @property
    def final(self) -> Checkpoint:
        return self.checkpoints[-1]


def _backpropagate(ws, bs, act, x, t, emit) -> None:
    """Back-propagation of the batch mean of :func:`learning.losses.boundary_loss` (2.11):
    ``emit(l, gw, gb)`` receives the gradients of layer l (fresh arrays it may reuse) from
    the last layer down, each after ``ws[l]`` has served the backward pass, so ``emit`` may
    update ``ws[l]`` and ``bs[l]`` in place.  Few temporaries: the products are written
    into arrays that the element-wise steps then update in place."""
    acts, derivs = [x], []
    for w, b in zip(ws, bs, strict=True):
        pre = acts[-1] @ w.T
        pre += b
        acts.append(act(pre))
        derivs.append(act.derivative(pre))
    n = len(x)
    delta = acts[-1] - t
    delta *= derivs[-1]
    for l in range(len(ws) - 1, -1, -1):
        gw = delta.T @ acts[l]
        gw /= n
        # mean(axis=0) is this sum divided by n (NumPy's own definition), bit for bit.
        gb = np.add.reduce(delta, axis=0)
        gb /= n
        if l:
            delta = delta @ ws[l]
            delta *= derivs[l - 1]
        emit(l, gw, gb)


def _boundary_gradients(ws, bs, act, x, t):
    """Gradients in (w, b) of the batch mean of :func:`learning.losses.boundary_loss` by
    back-propagation through the layers (checked against finite differences of it in
    tests/learning/test_training.py)."""
    gws, gbs = [None] * len(ws), [None] * len(ws)

    def keep(l, gw, gb):
        gws[l], gbs[l] = gw, gb
    _backpropagate(ws, bs, act, x, t, keep)
    return gws, gbs


def _boundary_sgd_step(ws: list[Array], bs: list[Array], act: Activation, x: Array, t: Array,
                       learning_rate: float) -> None:
    """One SGD update w <- w - η ∂U_∂/∂w, b <- b - η ∂U_∂/∂b of the boundary loss (2.11)
    on the batch ``(x, t)``, in place; the same numbers as subtracting
    ``learning_rate * g`` for the gradients g of ``_boundary_gradients``.

    Examples
    --------
    >>> import numpy as np
    >>> from learning.activations import TANH
    >>> rng = np.random.default_rng(0)
    >>> ws, bs = [rng.normal(size=(3, 4)), rng.normal(size=(2, 3))], [np.zeros(3), np.zeros(2)]
    >>> x, t = rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    >>> gws, gbs = _boundary_gradients(ws, bs, TANH, x, t)
    >>> expected = [w - 0.1 * g for w, g in zip(ws + bs, gws + gbs)]
    >>> _boundary_sgd_step(ws, bs, TANH, x, t, 0.1)
    >>> all(np.array_equal(a, e) for a, e in zip(ws + bs, expected))
    True
    """
    def update(l, gw, gb):
        gw *= learning_rate
        ws[l] -= gw
        gb *= learning_rate
        bs[l] -= gb
    _backpropagate(ws, bs, act, x, t, update)


def _bulk_gradients(ws, bs, act, x, t):
    """Gradients in (w, b) of the batch mean of the constrained bulk minimum (3.2).

    By the envelope theorem d/dθ min_x H(x; θ) = ∂H/∂θ at x̄: with r = x̄ - f(w x̄ + b) on
    layer l+1, ∂H/∂w_l = -(r_{l+1} f'_{l+1})^T x̄_l and ∂H/∂b_{l+1} = -r_{l+1} f'_{l+1}.
    """
    from learning.bulk_minimum import constrained_bulk_minimum
    from learning.septuple import boundary_state

    net = from_layers(ws, bs, act)
    res = constrained_bulk_minimum(net, boundary_state(net, x, t))
    sizes = net.layer_sizes
    edges = np.concatenate([[0], np.cumsum(sizes)])
    layers = [res.state[:, edges[i]:edges[i + 1]] for i in range(len(sizes))]
    n = len(x)
    gws, gbs = [], []
    for l, (w, b) in enumerate(zip(ws, bs, strict=True)):
        y = layers[l] @ w.T + b
        rf = (layers[l + 1] - act(y)) * act.derivative(y)
        gws.append(-rf.T @ layers[l] / n)
        gbs.append(-rf.mean(axis=0))
    return gws, gbs


def save_checkpoint(directory: Path, epoch: int, ws, bs, rng_state: dict,
                    boundary: float | None, measurements: dict) -> None:
    """Write ``epoch_<epoch>.npz`` (weights ``w<l>``, biases ``b<l>``) and then its sealed
    JSON (epoch, generator state, U_∂ (2.11), measurements, SHA-256 of the npz), both
    atomically; also used by :class:`learning.track.Recorder`."""
    directory = Path(path_like("directory", directory))
    epoch = count("epoch", epoch)
    arrays = {f"w{l}": w for l, w in enumerate(ws)} | {f"b{l}": b for l, b in enumerate(bs)}
    checksum = {}

    def write_npz(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        checksum["sha256"] = sha256_file(tmp)

    atomic_write(directory / f"epoch_{epoch:09d}.npz", write_npz)
    meta = seal({"epoch": epoch, "rng_state": rng_state, "boundary_loss": boundary,
                 "measurements": measurements, "npz_sha256": checksum["sha256"]})

    def write_json(tmp: str) -> None:
        with open(tmp, "w") as fh:
            json.dump(meta, fh)

    # The JSON is written last: a checkpoint counts only once it exists.
    atomic_write(directory / f"epoch_{epoch:09d}.json", write_json)


def _read_checkpoint(meta_path: Path, epoch: int, sizes: tuple[int, ...]):
    """``(meta, ws, bs)`` of one checkpoint, or a string naming what is wrong with it."""
    npz_path = meta_path.with_suffix(".npz")
    if not meta_path.exists() and not npz_path.exists():
        return f"checkpoint of epoch {epoch} is missing ({meta_path.name} and {npz_path.name})"
    for path in (meta_path, npz_path):
        if not path.exists():
            return f"{path} is missing"
    try:
        with open(meta_path) as fh:
            meta = json.load(fh)
        if not isinstance(meta, dict) or meta.get("epoch") != epoch or not {
                "rng_state", "measurements"} <= set(meta):
            return f"{meta_path} does not describe epoch {epoch} (corrupt metadata)"
    except (OSError, ValueError) as exc:
        return f"{meta_path} is corrupt ({exc})"
    # The measurements and the generator state are trusted only with their own checksum.
    problem = seal_problem(meta, str(meta_path))
    if problem:
        return problem
    stored_sum = meta.get("npz_sha256")
    if stored_sum is not None and sha256_file(npz_path) != stored_sum:
        return f"{npz_path} is corrupt (SHA-256 differs from the one recorded in {meta_path.name})"
    try:
        with np.load(npz_path) as data:
            ws = [np.array(data[f"w{l}"]) for l in range(len(sizes) - 1)]
            bs = [np.array(data[f"b{l}"]) for l in range(len(sizes) - 1)]
    except Exception as exc:  # np.load raises zipfile, pickle, OS and key errors alike
        return f"{npz_path} is corrupt or truncated ({type(exc).__name__}: {exc})"
    shapes_ok = all(w.shape == (sizes[l + 1], sizes[l]) and b.shape == (sizes[l + 1],)
                    for l, (w, b) in enumerate(zip(ws, bs, strict=True)))
    if not shapes_ok or not all(np.all(np.isfinite(a)) for a in ws + bs):
        return f"{npz_path} holds weights of the wrong shape or non-finite values"
    return meta, ws, bs


def _load_checkpoints(directory: Path, epochs: tuple[int, ...], sizes: tuple[int, ...]
                      ) -> tuple[list[tuple[dict, list, list]], str | None]:
    """The good checkpoints in epoch order up to the first bad one, and what was wrong with it.

    A later checkpoint cannot be trusted past a gap (it would be a run with a hole), so
    everything after the first missing or corrupt checkpoint is recomputed.
    """
    # The JSON is written last, so the newest epoch with a JSON file is how far the run got;
    # a weights file without its JSON after it is a checkpoint a kill interrupted, not a fault.
    written = {int(p.stem[6:]) for p in directory.glob("epoch_*.json") if p.stem[6:].isdigit()}
    last = max((e for e in written if e in epochs), default=-1)
    good: list[tuple[dict, list, list]] = []
    for epoch in epochs:
        if epoch > last:
            break
        read = _read_checkpoint(directory / f"epoch_{epoch:09d}.json", epoch, sizes)
        if isinstance(read, str):
            return good, read
        good.append(read)
    return good, None


def _open_run_directory(root: Path, config: TrainingConfig) -> Path:
    """Create or reopen ``root`` for ``config`` (refusing another run's directory), remove
    the temporaries of killed writers, and return its checkpoint directory."""
    directory = root / "checkpoints"
    directory.mkdir(parents=True, exist_ok=True)
    config_path = root / "config.json"
    if config_path.exists():
        try:
            stored = json.loads(config_path.read_text())
        except ValueError as exc:
            raise ValueError(f"{config_path} is corrupt ({exc}); delete {root} to start "
                             "this run afresh") from None
        if stored.get("config") != config.to_dict():
            raise ValueError(f"{root} holds a run with another configuration "
                             f"({stored.get('config')}); use a new out_dir")
    else:
        payload = {"config": config.to_dict(), "versions": library_versions()}
        atomic_write(config_path, lambda tmp: Path(tmp).write_text(
            json.dumps(payload, indent=2)))
    remove_stale_temporaries(root)
    remove_stale_temporaries(directory)
    return directory


def train(config: TrainingConfig, data: Dataset, *, out_dir: str | os.PathLike | None = None,
          measure: Callable[[Septuple, int], dict] | None = None,
          progress: bool = True) -> TrainingRun:
    """Train a feedforward septuple by mini-batch SGD; checkpoint, measure, resume.

    Parameters
    ----------
    config
        The run's configuration.
    data
        Training set (inputs in the activation's closed range, targets inside it).
    out_dir
        Where checkpoints go; rerunning with the same directory resumes.  ``None``: in memory.
    measure
        Called as ``measure(septuple, epoch)`` at every checkpoint; its JSON-serialisable
        dict is stored with the checkpoint (not recomputed on resume).
    progress
        Show a tqdm bar over updates.

    Raises
    ------
    TypeError
        ``config``, ``data``, ``out_dir`` or ``measure`` of the wrong type.
    ValueError
        Empty data, data not matching the network's sizes, or an ``out_dir`` holding another
        config.
    """
    t_start = time.perf_counter()
    act = _checked_inputs(config, data, out_dir, measure)
    sizes = config.sizes
    init_seed, batch_seed = np.random.SeedSequence(config.seed).spawn(2)
    net0 = feedforward(sizes, act, seed=np.random.default_rng(init_seed),
                       weight_scale=config.weight_scale)
    ws = [np.array(w) for w in layer_weights(net0)]
    bs = [np.array(b) for b in layer_biases(net0)]
    rng = np.random.default_rng(batch_seed)
    epochs = checkpoint_epochs(config)
    checkpoints: list[Checkpoint] = []
    resumed_from = None
    directory = None
    problems: list[str] = []
    if out_dir is not None:
        directory = _open_run_directory(Path(out_dir), config)
        checkpoints, layers, resumed_from, problems = _resume(directory, epochs, sizes, act,
                                                              rng)
        if layers is not None:
            ws, bs = layers
    steps_per_epoch = 1 if config.epoch == "step" else int(np.ceil(len(data) / config.batch_size))
    done = checkpoints[-1].epoch if checkpoints else -1
    bar = tqdm(total=epochs[-1] * steps_per_epoch, initial=max(done, 0) * steps_per_epoch,
               disable=not progress, leave=False,
               desc=f"train {'-'.join(map(str, sizes))} seed {config.seed}")
    current = max(done, 0)
    for target in epochs:
        if target <= done:
            continue
        _sgd_steps(config, data, act, ws, bs, rng, (target - current) * steps_per_epoch, bar)
        current = target
        if not all(np.all(np.isfinite(w)) for w in ws):
            raise ValueError(f"training diverged before epoch {target} (non-finite weights); "
                             f"lower the learning rate {config.learning_rate}")
        net = from_layers(ws, bs, act)
        boundary = mean_boundary_loss(net, data)
        measurements = measure(net, target) if measure is not None else {}
        if directory is not None:
            save_checkpoint(directory, target, ws, bs, rng.bit_generator.state, boundary,
                             measurements)
        checkpoints.append(Checkpoint(target, net, boundary, measurements))
    bar.close()
    return TrainingRun(config=config, checkpoints=tuple(checkpoints),
                       resumed_from_epoch=resumed_from, versions=library_versions(),
                       wall_time=time.perf_counter() - t_start,
                       checkpoint_problems=tuple(problems))


def _checked_inputs(config, data, out_dir, measure) -> Activation:
    """Validate :func:`train`'s arguments; the activation of the run."""
    instance("config", config, TrainingConfig)
    nonempty("data", data, Dataset)
    if out_dir is not None:
        path_like("out_dir", out_dir)
    if measure is not None and not callable(measure):
        raise TypeError(f"measure must be None or a callable (septuple, epoch) -> dict, got "
                        f"{type(measure).__name__}")
    sizes = config.sizes
    if data.inputs.shape[1] != sizes[0] or data.targets.shape[1] != sizes[-1]:
        raise ValueError(f"data has {data.inputs.shape[1]} inputs / {data.targets.shape[1]} "
                         f"targets; the network expects {sizes[0]} / {sizes[-1]}")
    act = get_activation(config.activation)
    # Clamped inputs (2.4) and targets must be states a neuron can take: raw 0-255 pixels
    # or a target of 3 for tanh are refused here, not blamed later on the learning rate.
    # Inputs may touch the ends of the range (clamped, never produced by f); targets are
    # output states and must lie inside it, as the boundary loss (2.11) checks.
    act.check_in_range(data.inputs, "data.inputs", closure=True)
    act.check_in_range(data.targets, "data.targets")
    return act


def _resume(directory: Path, epochs, sizes, act, rng: np.random.Generator):
    """The intact checkpoints of a run directory, the layers (weights, biases) at the last of
    them (None if there is none) with the batch generator set to its state, the epoch resumed
    from, and the problems found: a damaged checkpoint is named, it and every later one are
    recomputed."""
    good, problem = _load_checkpoints(directory, epochs, sizes)
    problems = [] if problem is None else [problem]
    if problem is not None:
        start = f"epoch {good[-1][0]['epoch']}" if good else "the start"
        warnings.warn(f"{problem}: resuming from {start} and recomputing every later "
                      "checkpoint", RuntimeWarning, stacklevel=3)
    if not good:
        return [], None, None, problems
    checkpoints = [Checkpoint(meta["epoch"], from_layers(ws_c, bs_c, act),
                              meta["boundary_loss"], meta["measurements"])
                   for meta, ws_c, bs_c in good]
    meta, ws_c, bs_c = good[-1]
    rng.bit_generator.state = meta["rng_state"]
    layers = ([np.array(w) for w in ws_c], [np.array(b) for b in bs_c])
    return checkpoints, layers, meta["epoch"], problems


def _sgd_steps(config, data, act, ws, bs, rng: np.random.Generator, n_steps: int, bar) -> None:
    """``n_steps`` mini-batch SGD updates of the layer weights and biases, in place."""
    n = len(data)
    # A diverging run overflows: let it, and report it clearly at the checkpoint after.
    # Small products run on one BLAS thread (learning.threads, issue 29).
    with np.errstate(over="ignore", invalid="ignore"), \
            blas_threads_for(largest_product_flops(config.sizes, config.batch_size)):
        for _ in range(n_steps):
            idx = rng.choice(n, size=min(config.batch_size, n), replace=False)
            if config.loss == "boundary":
                _boundary_sgd_step(ws, bs, act, data.inputs[idx], data.targets[idx],
                                  config.learning_rate)
            else:
                gws, gbs = _bulk_gradients(ws, bs, act, data.inputs[idx], data.targets[idx])
                for w, gw, b, gb in zip(ws, gws, bs, gbs, strict=True):
                    w -= config.learning_rate * gw
                    b -= config.learning_rate * gb
            bar.update(1)
