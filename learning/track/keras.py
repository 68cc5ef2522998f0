"""A Keras 3 ``Callback`` that records a run with :class:`learning.track.Recorder`: step 0
when training starts, then the number of batches trained after each batch (across epochs).

The recorder must be built with ``kernel_layout="in_out"`` (Keras ``Dense`` kernels are
``(n_in, n_out)``); parameters are the model's trainable weights in order (kernel, bias of each
``Dense``).  Importing this module needs Keras 3.
"""

from __future__ import annotations

from learning.track.recorder import Recorder

try:
    import keras
except ImportError as exc:  # pragma: no cover - exercised where keras is missing
    raise ImportError("learning.track.keras needs Keras 3 with a backend it can import "
                      f"({exc}): pip install keras (or 'neural-thermodynamics[frameworks]'); "
                      "with PyTorch but no TensorFlow installed, set KERAS_BACKEND=torch "
                      "before importing it") from None

__all__ = ["LawsCallback"]


class LawsCallback(keras.callbacks.Callback):
    """Record the Section 10 quantities (U (3.2), U_∂ (2.11), the spectrum of G (5.6)) along a
    Keras ``fit``; ``initial_step`` continues the step count of a resumed run."""

    def __init__(self, recorder: Recorder, initial_step: int = 0) -> None:
        super().__init__()
        if not isinstance(recorder, Recorder):
            raise TypeError(f"recorder must be a learning.track.Recorder, got "
                            f"{type(recorder).__name__}")
        if recorder.kernel_layout != "in_out":
            raise ValueError("recorder must be built with kernel_layout='in_out' for Keras "
                             "(Dense kernels are (n_in, n_out))")
        self.recorder, self.step = recorder, int(initial_step)

    def _parameters(self) -> dict:
        return {f"{i}:{w.path}": w.numpy() for i, w in enumerate(self.model.trainable_weights)}

    def on_train_begin(self, logs=None) -> None:
        if self.step not in self.recorder.checkpoints and self.recorder.due(self.step):
            self.recorder.record(self.step, self._parameters())

    def on_train_batch_end(self, batch, logs=None) -> None:
        self.step += 1
        if self.recorder.due(self.step):
            self.recorder.record(self.step, self._parameters())
        else:
            self.recorder.record(self.step, {})
