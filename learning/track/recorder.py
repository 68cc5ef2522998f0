"""A framework-free recorder of the Section 10 quantities along someone else's training run.

:class:`Recorder` is built from an MLP (layer sizes and one activation, or a layered
:class:`~learning.septuple.Septuple`) and evaluation data whose encoding is stated.  Each
:meth:`Recorder.record` call hands it the parameters at a training step as a mapping of
arrays (NumPy arrays, anything with ``__array__``, or tensors with
``.detach().cpu().numpy()``: no framework is imported here).  At the steps of its schedule it
writes a checkpoint (weights ``.npz`` and a JSON with the SHA-256 of the weights, both
atomically, the JSON last) and measures there what the main job measures
(:func:`learning.experiments.measurements.measure_checkpoint`: U_∂ (2.11), U (3.2), the
spectrum of G (5.6) at <x> (5.3), μ_2, μ_3 (9.5)-(9.6), :math:`C_{20}` and :math:`C_{N-20}` (10.5),
the gap of Fig. 5 and its β (9.4), the a_i of (5.12)).  :func:`learning.track.laws_report` applies
the laws (7.6), (7.11) to the recorded trajectory.

Parameter layout: the mapping's entries in order are weight, bias of layer 1, weight, bias
of layer 2, ... (PyTorch's ``named_parameters()`` order of a stack of ``Linear`` layers); a
weight is ``(n_{l+1}, n_l)``, or ``(n_l, n_{l+1})`` with ``kernel_layout="in_out"`` (Keras).

Resuming: a :class:`Recorder` opened on a directory that holds a run of the same network and
data continues it.  A step already on disk is not measured again; its weights are compared
with the stored ones (the same run replayed must give the same numbers) and the stored
measurements returned, so a training loop restarted after a crash ends with the same files as
an uninterrupted one.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from learning.activations import Activation, get_activation
from learning.experiments.datasets import Dataset
from learning.experiments.measurements import measure_checkpoint
from learning.experiments.training import log_spaced_steps, save_checkpoint
from learning.feedforward import from_layers
from learning.septuple import Septuple
from learning.track.estimated import choose_spectrum, measure_estimated
from ntcore.atomic import atomic_write_json, remove_stale_temporaries, sha256_file
from ntcore.checks import count, path_like, positive_number
from ntcore.integrity import seal_problem

__all__ = ["Recorder", "RecordedCheckpoint", "RUN_FORMAT", "SLQ_SEED", "read_run",
           "read_checkpoints", "expected_layout"]

#: the seed of the SLQ probes, the same at every checkpoint: the changes of S, S_0 + C
#: between checkpoints are then paired probe by probe and their sampling errors largely
#: cancel (common random numbers), which is what (7.6) and (7.11) judge
SLQ_SEED = 0
#: the ``format`` recorded in every run's ``run.json``
RUN_FORMAT = "learning.track/1"


@dataclass(frozen=True)
class RecordedCheckpoint:
    """One recorded step.

    Attributes
    ----------
    step : the training step.
    measurements : the flat layout of
        :meth:`~learning.experiments.measurements.CheckpointMeasurements.to_dict` (empty when
        there was no evaluation data or a problem).
    problem : why this checkpoint could not be measured (non-finite weights), else ``None``.
    measure_seconds : wall time of the measurement.
    """

    step: int
    measurements: dict
    problem: str | None
    measure_seconds: float


def _network(network: object) -> tuple[tuple[int, ...], Activation]:
    """Layer sizes and the one activation of an MLP description."""
    if isinstance(network, Septuple):
        if network.layer_sizes is None or not isinstance(network.activation, Activation):
            raise ValueError("network must be a layered septuple with one activation for every "
                             "neuron (feedforward / from_layers make one)")
        return tuple(network.layer_sizes), network.activation
    if (isinstance(network, tuple) and len(network) == 2
            and isinstance(network[0], Sequence) and not isinstance(network[0], str)):
        sizes = tuple(count("network sizes", s, minimum=1) for s in network[0])
        if len(sizes) < 2:
            raise ValueError(f"network needs >= 2 layer sizes, got {sizes}")
        return sizes, get_activation(network[1])
    raise TypeError("network must be a layered Septuple or (layer sizes, activation name), e.g. "
                    f"((784, 40, 20, 10), 'tanh'); got {type(network).__name__}")


def _as_array(name: str, value: object) -> np.ndarray:
    """A float64 copy of a NumPy array, an ``__array__`` object or a framework tensor."""
    if hasattr(value, "detach") and callable(value.detach):
        value = value.detach().cpu().numpy()
    elif hasattr(value, "numpy") and callable(value.numpy) and not hasattr(value, "__array__"):
        value = value.numpy()
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"parameters[{name!r}] is not an array ({exc})") from None


def expected_layout(sizes: tuple[int, ...], kernel_layout: str = "out_in") -> str:
    """The parameter order and shapes a network of layer sizes ``sizes`` expects (2.1).

    >>> expected_layout((3, 2, 1))
    'weight (2, 3), bias (2,), weight (1, 2), bias (1,)'
    """
    if (not isinstance(sizes, (tuple, list)) or len(sizes) < 2
            or not all(isinstance(s, int) and s >= 1 for s in sizes)):
        raise ValueError(f"sizes must be >= 2 positive layer sizes, got {sizes!r}")
    if kernel_layout not in ("out_in", "in_out"):
        raise ValueError(f"kernel_layout must be 'out_in' or 'in_out', got {kernel_layout!r}")
    parts = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        shape = (b, a) if kernel_layout == "out_in" else (a, b)
        parts.append(f"weight {shape}, bias ({b},)")
    return ", ".join(parts)


def _layers(parameters: object, sizes: tuple[int, ...], kernel_layout: str
            ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights :math:`(n_{l+1}, n_l)` and biases of each layer from the mapping, shapes checked."""
    if not isinstance(parameters, Mapping):
        raise TypeError("parameters must be a mapping of name to array (e.g. "
                        f"dict(model.named_parameters())), got {type(parameters).__name__}")
    layout = expected_layout(sizes, kernel_layout)
    items = list(parameters.items())
    if len(items) != 2 * (len(sizes) - 1):
        raise ValueError(f"parameters has {len(items)} entries ({', '.join(map(str, parameters))})"
                         f"; the network {'-'.join(map(str, sizes))} expects, in order: {layout}")
    ws, bs = [], []
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        (wn, w), (bn, bias) = items[2 * l], items[2 * l + 1]
        w, bias = _as_array(str(wn), w), _as_array(str(bn), bias)
        got = f"{wn!r} {tuple(w.shape)}, {bn!r} {tuple(bias.shape)}"
        if kernel_layout == "in_out":
            w = w.T
        if w.shape != (b, a) or bias.shape != (b,) or "bias" in str(wn).lower():
            raise ValueError(f"parameters of layer {l + 1} are {got}; the network "
                             f"{'-'.join(map(str, sizes))} expects, in order: {layout}")
        ws.append(w)
        bs.append(bias)
    return ws, bs


def _data_digest(data: Dataset) -> str:
    import hashlib

    h = hashlib.sha256()
    for a in (data.inputs, data.targets, data.labels):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _schedule(every: int | str | None, n_steps: int | None, n_checkpoints: int
              ) -> tuple[int | None, frozenset[int] | None]:
    """``(period, steps)``: record every ``period``-th step, or exactly ``steps``."""
    if every is None:
        return 1, None
    if every == "log":
        if n_steps is None:
            raise ValueError("every='log' needs n_steps, the run's last step (log-spaced "
                             "checkpoints from 0 to n_steps, as the main job's)")
        return None, frozenset(log_spaced_steps(count("n_steps", n_steps), n_checkpoints))
    if isinstance(every, str):
        raise ValueError(f"every must be a positive int, 'log' or None, got {every!r}")
    return count("every", every, minimum=1), None


class Recorder:
    """Record the Section 10 quantities along a training run (see the module docstring).

    Parameters
    ----------
    run_dir
        Where ``run.json`` and ``checkpoints/`` go; reopening it resumes the run.
    network
        A layered :class:`~learning.septuple.Septuple`, or ``(layer sizes, activation)``.
    data, encoding
        Evaluation data (inputs in the activation's closed range, targets inside it, labels)
        and a sentence saying how they were encoded (recorded).  ``None``: only the weights
        are recorded.  ``test``: held-out data for the accuracy (default ``data``).
    every, n_steps, n_checkpoints
        The schedule: every ``every``-th step (``None``: every call), or ``every="log"``:
        ``n_checkpoints`` log-spaced steps from 0 to ``n_steps`` (the main job's schedule).
    n_bulk_samples
        Samples for U (3.2) and <x> (5.3), as in the main job.
    time_budget
        Seconds one measurement may take; exceeding it warns.  A warning is also given once
        when the time spent measuring exceeds the time spent training between records.
    spectrum
        How the spectrum of G (5.6) is measured: ``"exact"`` (the structured
        diagonalisation: every eigenvalue, the laws (7.6), (7.11) apply), ``"slq"``
        (:func:`learning.track.estimated.measure_estimated`: μ_1..μ_4 by stochastic Lanczos
        quadrature with standard errors, S, S_0 and C at any β from the stored Gauss rules,
        the extreme eigenvalues, and U by the matrix-free bulk minimum; the same probes,
        seed :data:`SLQ_SEED`, at every checkpoint) or ``"auto"`` (exact while dim S <= 2500,
        else SLQ).  Recorded in ``run.json`` and, as ``spectrum_method``, in every
        checkpoint.
    forward_spectrum
        SLQ checkpoints: measure the spectrum at the mean forward state too (the
        ``forward_*`` keys of the exact path), which doubles the spectrum's cost; exact
        checkpoints always have it.  Recorded in ``run.json``.
    kernel_layout
        ``"out_in"`` (PyTorch: weight :math:`(n_{l+1}, n_l)`) or ``"in_out"`` (Keras kernels).
    background
        Measure in a worker process (started with ``spawn``, BLAS on one thread in it) while
        training goes on; the weights are copied first, so the files are those of a
        synchronous run.  :meth:`record` then returns ``None`` for a checkpoint still being
        measured; :meth:`wait` (or :meth:`close`, or leaving a ``with`` block) waits for them
        and re-raises an error of the worker.  A script using it needs the
        ``if __name__ == "__main__":`` guard of ``multiprocessing``.  On a machine
        with a core to spare the measurement then costs the training loop little wall time
        (``benchmarks/track_overhead.py``).

    Examples
    --------
    >>> import tempfile
    >>> rec = Recorder(tempfile.mkdtemp(), ((2, 3, 1), "tanh"))
    >>> ws = {"w0": np.zeros((3, 2)), "b0": np.zeros(3), "w1": np.ones((1, 3)), "b1": [0.0]}
    >>> rec.record(0, ws).step, rec.record(5, ws).problem is None
    (0, True)
    """

    def __init__(self, run_dir: str | os.PathLike, network: object, *,
                 data: Dataset | None = None, encoding: str | None = None,
                 test: Dataset | None = None, every: int | str | None = None,
                 n_steps: int | None = None, n_checkpoints: int = 30,
                 n_bulk_samples: int = 1000, time_budget: float | None = None,
                 kernel_layout: str = "out_in", label: str | None = None,
                 background: bool = False, spectrum: str = "auto",
                 forward_spectrum: bool = False) -> None:
        self.sizes, self.activation = _network(network)
        self.spectrum = choose_spectrum(self.sizes, spectrum)
        if not isinstance(forward_spectrum, bool):
            raise TypeError(f"forward_spectrum must be True or False, got {forward_spectrum!r}")
        self.forward_spectrum = forward_spectrum or self.spectrum == "exact"
        self.data, self.test = self._check_data(data, encoding, test)
        self.period, self.steps = _schedule(every, n_steps, count("n_checkpoints", n_checkpoints,
                                                                  minimum=2))
        self.n_bulk_samples = count("n_bulk_samples", n_bulk_samples, minimum=1)
        self.time_budget = None if time_budget is None else positive_number("time_budget",
                                                                             time_budget)
        if kernel_layout not in ("out_in", "in_out"):
            raise ValueError(f"kernel_layout must be 'out_in' or 'in_out', got {kernel_layout!r}")
        self.kernel_layout = kernel_layout
        self.run_dir = Path(path_like("run_dir", run_dir))
        self.label = self.run_dir.name if label is None else str(label)
        self.checkpoints: dict[int, RecordedCheckpoint] = {}
        self.measure_seconds = self.train_seconds = 0.0
        self._last: int | None = None
        self._clock = time.perf_counter()
        self._warned = False
        #: the framework model an adapter has checked against this network (checked once)
        self.checked_model: object = None
        if not isinstance(background, bool):
            raise TypeError(f"background must be True or False, got {background!r}")
        self._open(encoding)
        self._job = _Job(self.activation.name, self.data, self.test, self.n_bulk_samples,
                         self.directory, self.spectrum, self.forward_spectrum)
        self._pending: list[tuple[int, Future]] = []
        self._worker = None
        self._job_file: Path | None = None
        if background:
            # The job (with the evaluation data) goes to the worker through a file, not the
            # spawn pipe: a pipe larger than its buffer held the first record() for the ~2 s the
            # new interpreter takes to import the toolkit (measured: 1.95 s of a 13-16 s run).
            self._job_file = _job_file(self._job)
            self._worker = ProcessPoolExecutor(1, get_context("spawn"), _start_worker,
                                               (self._job_file,))

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait(self) -> dict[int, RecordedCheckpoint]:
        """Wait for the measurements still running (``background=True``) and return all
        checkpoints by step; an error raised in the worker (e.g. a full disk) is re-raised."""
        try:
            self._harvest(block=True)
        finally:
            self._pending = []
        return dict(sorted(self.checkpoints.items()))

    def close(self) -> None:
        """:meth:`wait`, then stop the worker process."""
        try:
            self.wait()
        finally:
            if self._worker is not None:
                self._worker.shutdown(wait=True)
                self._worker = None
            if self._job_file is not None:
                self._job_file.unlink(missing_ok=True)
                self._job_file = None

    def _check_data(self, data, encoding, test):
        if data is None:
            if test is not None:
                raise ValueError("test given without data: pass the evaluation data as data")
            return None, None
        for name, d in (("data", data), ("test", test)):
            if d is not None and not isinstance(d, Dataset):
                raise TypeError(f"{name} must be a learning.experiments.datasets.Dataset, got "
                                f"{type(d).__name__}")
        if not isinstance(encoding, str) or not encoding.strip():
            raise ValueError("encoding must say how inputs and targets were encoded (e.g. "
                             "'pixels/127.5 - 1, one-hot targets ±0.9'), it is recorded")
        test = data if test is None else test
        for name, d in (("data", data), ("test", test)):
            if d.inputs.shape[1] != self.sizes[0] or d.targets.shape[1] != self.sizes[-1]:
                raise ValueError(f"{name} has {d.inputs.shape[1]} inputs / "
                                 f"{d.targets.shape[1]} targets; the network expects "
                                 f"{self.sizes[0]} / {self.sizes[-1]}")
            self.activation.check_in_range(d.inputs, f"{name}.inputs", closure=True)
            self.activation.check_in_range(d.targets, f"{name}.targets")
        return data, test

    def _description(self, encoding: str | None) -> dict:
        return {"format": RUN_FORMAT, "sizes": list(self.sizes),
                "activation": self.activation.name, "kernel_layout": self.kernel_layout,
                "encoding": encoding, "n_bulk_samples": self.n_bulk_samples,
                "spectrum": self.spectrum, "forward_spectrum": self.forward_spectrum,
                "data_sha256": None if self.data is None else _data_digest(self.data),
                "test_sha256": None if self.test is None else _data_digest(self.test)}

    def _open(self, encoding: str | None) -> None:
        """Create ``run.json`` or check the stored one; read the checkpoints already written."""
        description = self._description(encoding)
        path = self.run_dir / "run.json"
        self.directory = self.run_dir / "checkpoints"
        if path.exists():
            stored = _read_json(path)
            stored.setdefault("spectrum", "exact")  # runs recorded before the choice existed
            stored.setdefault("forward_spectrum", stored["spectrum"] == "exact")
            differ = [k for k in description if stored.get(k) != description[k]]
            if differ:
                raise ValueError(f"run_dir {self.run_dir} holds a run of another network or "
                                 f"data ({', '.join(differ)} differ); use a new run_dir")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                atomic_write_json(path, description | {"label": self.label})
            remove_stale_temporaries(self.run_dir)
            remove_stale_temporaries(self.directory)
        except OSError as exc:
            raise _disk_error(exc, "run.json and checkpoints/", self.run_dir) from exc
        for step, checkpoint in read_checkpoints(self.directory).items():
            self.checkpoints[step] = checkpoint

    def due(self, step: int) -> bool:
        """Whether ``step`` is on the schedule."""
        if self.steps is not None:
            return step in self.steps
        return self.period is not None and step % self.period == 0

    def record(self, step: int, parameters: Mapping) -> RecordedCheckpoint | None:
        """Checkpoint and measure at ``step`` if it is due (``None`` if it is not).

        Raises
        ------
        ValueError
            A step not after the previous one of this session; parameters whose names or
            shapes do not match the network (the expected layout is named); a step on disk
            recorded with other weights (another run).
        """
        step = count("step", step)
        if self._last is not None and step <= self._last:
            raise ValueError(f"step must increase: got {step} after {self._last}")
        now = time.perf_counter()
        self.train_seconds += now - self._clock
        try:
            if not self.due(step):
                self._last = step
                return None
            # A refused call (bad parameters) does not use up its step.
            ws, bs = _layers(parameters, self.sizes, self.kernel_layout)
            self._last = step
            if step in self.checkpoints:
                self._check_replay(step, ws, bs)
                return self.checkpoints[step]
            if self._worker is None:
                return self._record(step, ws, bs)
            self._harvest()
            self._pending.append((step, self._worker.submit(_worker_measure, step, ws, bs)))
            return None
        finally:
            self._clock = time.perf_counter()

    def _harvest(self, block: bool = False) -> None:
        """Book the background measurements that have finished (all of them if ``block``),
        in step order; an error of the worker is re-raised here."""
        while self._pending and (block or self._pending[0][1].done()):
            step, future = self._pending.pop(0)
            self._finish(step, *future.result())

    def _check_replay(self, step: int, ws, bs) -> None:
        with np.load(self.directory / f"epoch_{step:09d}.npz") as f:
            same = all(np.array_equal(f[f"w{l}"], w, equal_nan=True)
                       and np.array_equal(f[f"b{l}"], b, equal_nan=True)
                       for l, (w, b) in enumerate(zip(ws, bs, strict=True)))
        if not same:
            raise ValueError(f"step {step} is already recorded in {self.directory} with other "
                             "weights: this is another run; use a new run_dir")

    def _record(self, step: int, ws, bs) -> RecordedCheckpoint:
        return self._finish(step, *_measure_and_save(self._job, step, ws, bs))

    def _finish(self, step: int, measured: dict, problem: str | None, seconds: float
                ) -> RecordedCheckpoint:
        """Book a written checkpoint: its record, the time spent, the warnings."""
        if problem is not None:
            warnings.warn(f"{problem}: recorded, not measured", RuntimeWarning, stacklevel=4)
        self.measure_seconds += seconds
        self._warn_time(step, seconds)
        checkpoint = RecordedCheckpoint(step, measured, problem, seconds)
        self.checkpoints[step] = checkpoint
        return checkpoint

    def _warn_time(self, step: int, seconds: float) -> None:
        if self.time_budget is not None and seconds > self.time_budget:
            warnings.warn(f"measuring step {step} took {seconds:.3g} s, over the time_budget "
                          f"{self.time_budget:g} s; lower n_bulk_samples or record less often",
                          RuntimeWarning, stacklevel=5)
        # Judged from the third measured checkpoint on (the first steps of a run are short).
        measured = sum(1 for c in self.checkpoints.values() if c.measurements)
        if not self._warned and measured >= 2 and self.measure_seconds > self.train_seconds:
            self._warned = True
            warnings.warn(f"measuring ({self.measure_seconds:.3g} s) now exceeds training "
                          f"({self.train_seconds:.3g} s); record less often (every=) or lower "
                          "n_bulk_samples", RuntimeWarning, stacklevel=5)


@dataclass(frozen=True)
class _Job:
    """What measuring a checkpoint needs besides the weights (sent once to the worker)."""

    activation: str
    data: Dataset | None
    test: Dataset | None
    n_bulk_samples: int
    directory: Path
    spectrum: str = "exact"
    forward_spectrum: bool = True


def _measure_and_save(job: _Job, step: int, ws, bs) -> tuple[dict, str | None, float]:
    """Measure one checkpoint (Section 10) and write its two files: ``(measurements,
    problem, seconds)``."""
    t0 = time.perf_counter()
    bad = [f"{k}{l}" for k, arrays in (("w", ws), ("b", bs))
           for l, a in enumerate(arrays) if not np.all(np.isfinite(a))]
    problem = (f"non-finite weights at step {step} ({', '.join(bad)})" if bad else None)
    measured: dict = {}
    if problem is None and job.data is not None:
        net = from_layers(ws, bs, get_activation(job.activation))
        if job.spectrum == "slq":
            measured = measure_estimated(net, job.data, job.test,
                                         n_bulk_samples=job.n_bulk_samples, seed=SLQ_SEED,
                                         forward_spectrum=job.forward_spectrum)
        else:
            measured = {"spectrum_method": "structured"} | measure_checkpoint(
                net, job.data, job.test, n_bulk_samples=job.n_bulk_samples).to_dict()
    payload = measured | ({"problem": problem} if problem else {})
    try:
        save_checkpoint(job.directory, step, ws, bs, {}, measured.get("boundary_loss"), payload)
    except OSError as exc:
        raise _disk_error(exc, f"the checkpoint of step {step}", job.directory) from exc
    return measured, problem, time.perf_counter() - t0


_WORKER_JOB: list[_Job] = []


def _job_file(job: _Job) -> Path:
    """The job pickled to a private temporary file for the worker (our own object, read
    back only by :func:`_start_worker`)."""
    fd, name = tempfile.mkstemp(prefix="recorder-job-", suffix=".pickle")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(job, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return Path(name)


def _start_worker(job_file: Path) -> None:
    """Initialise the background worker process: its job, BLAS on one thread."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    with open(job_file, "rb") as fh:
        _WORKER_JOB[:] = [pickle.load(fh)]  # noqa: S301 - the file this process's parent wrote


def _worker_measure(step: int, ws, bs) -> tuple[dict, str | None, float]:
    return _measure_and_save(_WORKER_JOB[0], step, ws, bs)


def _disk_error(exc: OSError, what: str, where: Path) -> OSError:
    """An OSError (same errno) saying what could not be written where, and how to go on."""
    why = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
           errno.EACCES: "permission denied", errno.EPERM: "permission denied",
           errno.EROFS: "the file system is read-only"}.get(exc.errno or 0, str(exc))
    return OSError(exc.errno, f"cannot write {what} to {where}: {why}. Nothing half-written "
                   "is left; free space or fix the permissions and rerun the training with the "
                   "same run_dir: the recorder resumes from the checkpoints on disk")


def _read_json(path: Path) -> dict:
    try:
        out = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is unreadable or corrupt ({exc})") from None
    if not isinstance(out, dict):
        raise ValueError(f"{path} is corrupt (not a JSON object)")
    return out


def read_checkpoints(directory: Path) -> dict[int, RecordedCheckpoint]:
    """The checkpoints of a recorded run whose weights match their recorded SHA-256.

    A JSON is written after its weights, so a weights file without one is a checkpoint a
    kill interrupted: it is ignored (and rewritten when the step is recorded again).  A
    checkpoint whose weights do not match their checksum is named in a warning and left out
    (nothing is deleted).
    """
    directory = Path(path_like("directory", directory))
    out = {}
    for meta_path in sorted(directory.glob("epoch_*.json")):
        meta = _read_json(meta_path)
        sealed = seal_problem(meta, str(meta_path))
        if sealed is not None:
            warnings.warn(f"{sealed}: that checkpoint is left out", RuntimeWarning, stacklevel=3)
            continue
        npz = meta_path.with_suffix(".npz")
        if not npz.exists() or sha256_file(npz) != meta.get("npz_sha256"):
            warnings.warn(f"{npz} is missing or does not match the SHA-256 in {meta_path.name}:"
                          " that checkpoint is left out (a Recorder records it again when the "
                          "step is replayed)", RuntimeWarning, stacklevel=3)
            continue
        m = dict(meta["measurements"])
        problem = m.pop("problem", None)
        out[int(meta["epoch"])] = RecordedCheckpoint(int(meta["epoch"]), m, problem, 0.0)
    return out


def read_run(run_dir: str | os.PathLike) -> tuple[dict, dict[int, RecordedCheckpoint]]:
    """``(run.json, checkpoints by step)`` of a directory written by :class:`Recorder`."""
    root = Path(path_like("run_dir", run_dir))
    path = root / "run.json"
    if not path.is_file():
        raise ValueError(f"run_dir {root} is not a recorded run (no run.json)")
    description = _read_json(path)
    if description.get("format") != RUN_FORMAT:
        raise ValueError(f"{path} is not a {RUN_FORMAT} run (format "
                         f"{description.get('format')!r})")
    return description, read_checkpoints(root / "checkpoints")
