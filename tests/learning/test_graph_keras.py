"""Keras 3 models with convolutions, pooling, BatchNormalization and Add read as graph
septuples (issue 22, item 3): channels-last converted to channels-first, the same function as
Keras computes; unsupported layers refused by name with the route that works."""

from __future__ import annotations

import doctest
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
pytest.importorskip("h5py")

import learning.io.keras_graph  # noqa: E402
from learning.io import NetworkFileError, load_network, read_network  # noqa: E402

RNG = np.random.default_rng(3)


def randomise(model):
    # Keras initialises BatchNorm to the identity and biases to 0: draw every weight so that
    # an orientation, order or layout bug changes the output.
    for w in model.weights:
        value = RNG.normal(size=w.shape) * 0.5
        if "variance" in w.path:
            value = RNG.uniform(0.5, 2.0, size=w.shape)
        w.assign(value.astype("float32"))
    return model


def residual_cnn(channels=3):
    L = keras.layers
    inp = keras.Input((8, 8, channels))
    x = L.Conv2D(4, 3, padding="same", use_bias=False, name="stem")(inp)
    x = L.Activation("relu")(L.BatchNormalization()(x))
    y = L.Conv2D(4, 3, padding="same", activation="gelu")(x)
    x = L.Add()([x, y])
    z = L.Conv2D(2, 2, padding="same", strides=2, activation="tanh")(x)
    x = L.Concatenate()([L.MaxPooling2D(2)(x), z])
    x = L.Flatten()(L.AveragePooling2D(2, padding="same")(x))
    x = L.LeakyReLU(0.2)(L.Dense(7, activation="silu")(x))
    return randomise(keras.Model(inp, L.Dense(10, activation="softmax")(x)))


def sequential_cnn():
    L = keras.layers
    return randomise(keras.Sequential([
        keras.Input((9, 9, 2)), L.Conv2D(3, 3, strides=2, activation="elu"),
        L.AveragePooling2D(2), L.GlobalAveragePooling2D(), L.Dense(4, activation="softplus"),
        L.Dense(2, activation="sigmoid")]))


def keras_output(model, x):
    return np.asarray(model(x.astype("float32")).detach().cpu(), dtype=float)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("build", [residual_cnn, sequential_cnn])
def test_graph_forward_equals_keras(tmp_path, build, suffix):
    model = build()
    path = tmp_path / f"m{suffix}"
    model.save(path)
    net = load_network(path)
    x = RNG.uniform(-1, 1, (3, *model.input_shape[1:]))
    got = net.forward(np.moveaxis(x, -1, 1))[:, net.output_indices]  # NHWC -> NCHW
    want = keras_output(model, x)
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-5 * max(1, np.abs(want).max()))


def test_softmax_head_is_linearised_or_left_out(tmp_path):
    model = residual_cnn(channels=1)
    model.save(tmp_path / "m.keras")
    loaded = read_network(tmp_path / "m.keras")
    assert "2 linearised: MaxPool" in loaded.read_as and "Softmax" in loaded.read_as
    logits = read_network(tmp_path / "m.keras", logits=True)
    assert "1 linearised" in logits.read_as and "analysed at the logits" in logits.notes[-1]


def test_unsupported_layer_is_named_with_the_route(tmp_path):
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.UpSampling2D(2),
                              keras.layers.Flatten(), keras.layers.Dense(2)])
    model.save(tmp_path / "up.keras")
    with pytest.raises(NetworkFileError, match=r"UpSampling2D layer is not supported.*ONNX"):
        load_network(tmp_path / "up.keras")


def test_unsupported_activation_is_named(tmp_path):
    model = keras.Sequential([keras.Input((4, 4, 1)),
                              keras.layers.Conv2D(2, 3, activation="selu"),
                              keras.layers.Flatten(), keras.layers.Dense(2)])
    model.save(tmp_path / "selu.keras")
    with pytest.raises(NetworkFileError, match=r"activation 'selu' is not supported"):
        load_network(tmp_path / "selu.keras")


def test_non_finite_weights_are_refused(tmp_path):
    model = sequential_cnn()
    w = model.layers[0].kernel
    value = np.array(w.numpy())
    value[0, 0, 0, 0] = np.inf
    w.assign(value)
    model.save(tmp_path / "inf.keras")
    with pytest.raises(NetworkFileError, match=r"layer 'conv2d.*': has 1 non-finite"):
        load_network(tmp_path / "inf.keras")


def test_doctests_pass():
    assert doctest.testmod(learning.io.keras_graph).failed == 0
