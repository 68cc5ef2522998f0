"""Hostile model files never run code (docs/security.md).

Each file carries a pickle whose unpickling would create a marker file (``__reduce__``); the
test checks first that plain ``pickle.load`` does run it (so the payload is live), then that
the model readers refuse the file, by name, without the marker appearing.
"""

from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest

from learning.io import load_network
from learning.io.layers import NetworkFileError


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def test_payload_is_live(tmp_path):
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_Payload(str(marker))))  # noqa: S301 - the point of the test
    assert marker.exists()


def test_pytorch_file_with_a_code_payload_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    torch.save({"fc.weight": torch.ones(2, 2), "extra": _Payload(str(marker))}, path)
    with pytest.raises(NetworkFileError, match="evil.pt"):
        load_network(path, activation="tanh")
    assert not marker.exists()


def test_npz_with_a_pickled_object_is_refused(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.npz"
    np.savez(path, w0=np.array([_Payload(str(marker))], dtype=object), b0=np.zeros(1))
    with pytest.raises(NetworkFileError, match="evil.npz"):
        load_network(path, activation="tanh")
    assert not marker.exists()


def test_safetensors_name_on_a_pickle_is_refused(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps({"w": _Payload(str(marker))}))
    with pytest.raises(NetworkFileError, match="evil.safetensors"):
        load_network(path, activation="tanh")
    assert not marker.exists()


def test_keras_archive_with_a_pickle_in_place_of_weights_is_refused(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", '{"class_name": "Sequential", "config": {"layers": '
                   '[{"class_name": "Lambda", "config": {"function": "os.system"}}]}}')
        z.writestr("model.weights.h5", pickle.dumps(_Payload(str(marker))))
    with pytest.raises(NetworkFileError, match="evil.keras"):
        load_network(path)
    assert not marker.exists()


# --- malformed files: named refusals, never bare Python errors (issue 25) -----------------
def test_pytorch_file_under_a_safetensors_name_is_read_as_pytorch(tmp_path):
    """It crashed analyze (torch.load chose its safetensors loader by the name); the file is
    sniffed as PyTorch and read from an open file, so the weights come out right."""
    torch = pytest.importorskip("torch")
    lin = torch.nn.Linear(3, 2)
    path = tmp_path / "state.safetensors"
    torch.save(lin.state_dict(), path)
    loaded = load_network(path, activation="tanh")
    np.testing.assert_array_equal(loaded.weights[3:, :3], lin.weight.detach().numpy())


def _empty_pt(tmp_path):
    pytest.importorskip("torch")
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    return path, {"activation": "tanh"}


def _keras_layer_is_a_number(tmp_path):
    import json

    from tests.learning.model_files import write_keras_archive

    good = tmp_path / "good.keras"
    write_keras_archive(good, [np.ones((3, 4)), np.ones((2, 3))], [np.zeros(3), np.zeros(2)],
                        ["tanh", "tanh"])
    with zipfile.ZipFile(good) as z:
        files = {n: z.read(n) for n in z.namelist()}
    config = json.loads(files["config.json"])
    config["config"]["layers"][1] = 3
    files["config.json"] = json.dumps(config).encode()
    path = tmp_path / "bad.keras"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path, {}


def _onnx_missing_inputs(node: int, matmul: bool):
    def make(tmp_path):
        onnx = pytest.importorskip("onnx")
        from tests.learning.model_files import onnx_model

        model = onnx_model([np.ones((3, 4)), np.ones((2, 3))], [np.zeros(3), np.zeros(2)],
                           matmul=matmul)
        del model.graph.node[node].input[1:]
        path = tmp_path / "bad.onnx"
        onnx.save(model, str(path))
        return path, {"activation": "tanh"}
    return make


MALFORMED = {
    "empty .pt": (_empty_pt, "empty"),
    "Keras layer that is a number": (_keras_layer_is_a_number, "malformed keras"),
    "ONNX Gemm without weights": (_onnx_missing_inputs(0, False), "malformed onnx"),
    "ONNX Add without bias": (_onnx_missing_inputs(1, True), "malformed onnx"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_model_file_is_a_named_refusal(case, tmp_path):
    make, match = MALFORMED[case]
    path, kwargs = make(tmp_path)
    with pytest.raises(NetworkFileError, match=match) as info:
        load_network(path, **kwargs)
    assert str(path) in str(info.value)
