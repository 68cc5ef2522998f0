"""Measurement time of learning.track on a large network (issue #23): 784-4096-4096-4096-10
tanh, LeCun-initialised (PyTorch's default init replaced by N(0, 1/fan_in) weights, zero
biases), trained by float32 SGD (batch 100) on the bundled MNIST digits for ``--steps``
steps, recorded at ``--checkpoints`` evenly spaced steps (0 and the last included).  The
recorder chooses SLQ with standard errors and the matrix-free bulk minimum by size
(dim S > 2500); each measurement's wall time is printed with its parts.

Run:  flock /work/bench.lock python benchmarks/track_big.py --steps 4 --checkpoints 2
      [--samples 1000] [--bulk-samples 200] [--sizes 784,4096,4096,4096,10] [--forward]
(``--forward``: the spectrum at the mean forward state too, ``forward_spectrum=True``.)
Prints the load average at start and end (a timing under load says so).
"""

import argparse
import os
import tempfile
import time

import numpy as np


def _model(sizes):
    import torch

    torch.manual_seed(0)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        lin = torch.nn.Linear(a, b)
        with torch.no_grad():
            lin.weight.normal_(0.0, 1.0 / np.sqrt(a))  # LeCun's scale
            lin.bias.zero_()
        layers += [lin, torch.nn.Tanh()]
    return torch.nn.Sequential(*layers)


def main() -> None:
    import torch

    from learning.experiments.datasets import load_mnist
    from learning.track import Recorder
    from learning.track.torch import record_module

    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="784,4096,4096,4096,10")
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--checkpoints", type=int, default=2)
    p.add_argument("--samples", type=int, default=1000, help="evaluation samples (U_∂)")
    p.add_argument("--bulk-samples", type=int, default=200, help="samples of U (3.2), <x> (5.3)")
    p.add_argument("--keep", default=None, help="keep the recorded run in this directory")
    p.add_argument("--forward", action="store_true",
                   help="also the spectrum at the mean forward state (forward_spectrum=True)")
    args = p.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    if args.checkpoints < 2 or args.steps < 1:
        p.error("--checkpoints must be >= 2 and --steps >= 1")
    load0 = os.getloadavg()
    print(f"load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}", flush=True)
    mnist = load_mnist(seed=0)
    model = _model(sizes)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.from_numpy(mnist.train.inputs.astype(np.float32))
    t = torch.from_numpy(mnist.train.targets.astype(np.float32))
    gen = torch.Generator().manual_seed(1)
    every = max(1, args.steps // (args.checkpoints - 1))
    with tempfile.TemporaryDirectory() as tmp:
        rec = Recorder(args.keep or tmp, (sizes, "tanh"),
                       data=mnist.train.subset(slice(0, args.samples)),
                       test=mnist.test, encoding="symmetric pixels, ±0.9 one-hot",
                       every=every, n_bulk_samples=args.bulk_samples,
                       forward_spectrum=args.forward)
        print(f"sizes {'-'.join(map(str, sizes))}, spectrum method {rec.spectrum}, "
              f"checkpoints every {every} steps", flush=True)
        train = 0.0
        for step in range(args.steps + 1):
            c = record_module(rec, step, model)
            if c is not None:
                m = c.measurements
                print(f"step {step}: measurement {c.measure_seconds:.1f} s (spectrum "
                      f"{m.get('spectrum_seconds', float('nan')):.1f} s, {m.get('n_matvecs')} "
                      f"products with G); U_∂ {m['boundary_loss']:.4g}, U {m['bulk_loss']:.4g}"
                      f" (converged {m['bulk_converged_fraction']:.2f}); μ_1 {m['mu1']:.3g} ± "
                      f"{m['mu1_stderr']:.2g}, μ_2 {m['mu2']:.5g} ± {m['mu2_stderr']:.2g}, "
                      f"μ_3 {m['mu3']:.5g} ± {m['mu3_stderr']:.2g}; C_20 {m['C_20']:.6g}; "
                      f"rules for the laws {m.get('rules_seconds', float('nan')):.2f} s; "
                      f"forward spectrum {m.get('forward_spectrum_seconds', float('nan')):.1f} s "
                      f"({m.get('forward_n_matvecs')} products)", flush=True)
            t0 = time.perf_counter()
            idx = torch.randint(len(x), (100,), generator=gen)
            opt.zero_grad()
            (0.5 * ((model(x[idx]) - t[idx]) ** 2).sum(dim=1).mean()).backward()
            opt.step()
            train += time.perf_counter() - t0
        rec.close()
    load1 = os.getloadavg()
    print(f"{len(rec.checkpoints)} checkpoints, {args.samples} evaluation samples, "
          f"{args.bulk_samples} for U; training {train:.1f} s, measuring "
          f"{rec.measure_seconds:.1f} s in all; torch threads {torch.get_num_threads()}")
    print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f} (2 cores)")


if __name__ == "__main__":
    main()
