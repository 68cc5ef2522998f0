"""Statistical mechanics of learning (Sections 2-10 of Vanchurin, "Towards a theory of
machine learning"): the neural septuple, its losses, the canonical ensemble, the operator
G = (I - f'w)^T (I - f'w), thermodynamics, optimal architectures and the MNIST experiments.
"""

from learning.activations import (
    LINEAR,
    RELU,
    SIGMOID,
    TANH,
    Activation,
    LayerwiseActivation,
    get_activation,
    per_layer_activation,
)
from learning.feedforward import (
    feedforward,
    forward,
    forward_state,
    from_layers,
    layer_biases,
    layer_slices,
    layer_weights,
)
from learning.losses import (
    LocalObjective,
    boundary_loss,
    bulk_loss,
    bulk_loss_gradient,
    bulk_residual,
)
from learning.septuple import (
    FixedPointResult,
    Septuple,
    boundary_state,
    clamped_image,
    effective_bias,
    fixed_point,
    initial_state,
    step,
)
from learning.septuple_checks import FeedforwardReport, check_feedforward, check_input_bias

__all__ = [
    "Activation", "TANH", "SIGMOID", "RELU", "LINEAR", "get_activation",
    "LayerwiseActivation", "per_layer_activation",
    "Septuple", "FeedforwardReport", "FixedPointResult", "boundary_state", "check_feedforward",
    "clamped_image", "check_input_bias", "effective_bias", "fixed_point", "initial_state", "step",
    "feedforward", "forward", "forward_state", "from_layers", "layer_biases", "layer_slices",
    "layer_weights",
    "LocalObjective", "boundary_loss", "bulk_loss", "bulk_loss_gradient", "bulk_residual",
]
__version__ = "0.1.0"
