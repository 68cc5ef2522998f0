"""The constrained bulk minimum (3.2) of graph septuples, matrix-free (issue 22 targets).

``--part lenet``: ``python -m learning analyze LENET.onnx --data mnist --samples 1000`` end to
end (interpreter start, reading the ONNX file, the digits, the bulk minimum behind U, the
spectrum, the report), target <= 60 s on 2 cores.  LeNet-5 (tanh, average pooling, 7302
neurons) is trained with PyTorch as in ``examples/beyond_mlps.py`` (3 epochs on 4000 digits)
and exported with ``torch.onnx.export`` into ``--dir`` first, unless it is there already.

``--part resnet``: the bulk minimum of ``--samples`` inputs (uniform in [-1, 1], targets
uniform in [-0.9, 0.9], seeded) of the ResNet-20-shaped network of
``benchmarks/bench_resnet20.py`` (relu, He-initialised, BatchNorm calibrated), target 100
samples in <= 5 min.  Prints the Newton iterations per sample and the peak memory.

    flock /work/bench.lock python benchmarks/bench_graph_bulk.py --part lenet
    flock /work/bench.lock python benchmarks/bench_graph_bulk.py --part resnet --samples 10
        [--max-iter 100] [--size 32] [--batch 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def lenet_file(directory: Path) -> Path:
    """LeNet-5 trained as in examples/beyond_mlps.py, saved as ONNX (made once)."""
    path = directory / "lenet5.onnx"
    if path.exists():
        return path
    import torch

    sys.path.insert(0, str(ROOT / "examples"))
    from beyond_mlps import torch_models, train_torch

    from learning.experiments.datasets import load_mnist

    mnist = load_mnist(n_train=4000, n_test=1, seed=0, input_scaling="symmetric")
    images = mnist.train.inputs.reshape(-1, 1, 28, 28)
    module = torch_models()["lenet5"]
    acc = train_torch(module, images, mnist.train.labels, epochs=3)
    directory.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(module, (torch.tensor(images[:1], dtype=torch.float32),),
                      str(path), dynamo=False)
    print(f"trained LeNet-5 for 3 epochs on 4000 digits (accuracy {acc:.3f}), saved {path}")
    return path


def lenet(directory: Path, samples: int) -> None:
    path = lenet_file(directory)
    command = [sys.executable, "-m", "learning", "analyze", str(path), "--data", "mnist",
               "--samples", str(samples), "--out", str(directory / "lenet5_analysis")]
    print(_load())
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                          env=os.environ | {"PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - start
    print("$ python -m learning analyze " + " ".join(command[4:]))
    print(proc.stdout.rstrip() or proc.stderr.rstrip())
    print(f"exit status {proc.returncode}, wall time {wall:.1f} s (target <= 60 s); {_load()}")


def resnet(samples: int, size: int, threads: int | None, max_iter: int,
           batch: int | None = None) -> None:
    from threadpoolctl import threadpool_limits

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_resnet20 import resnet20

    from learning.bulk_minimum import constrained_bulk_minimum, solver_costs

    print(_load())
    net = resnet20(size=size)
    rng = np.random.default_rng(1)
    x = net.forward(rng.uniform(-1, 1, size=(samples, 3 * size * size)))
    x[:, net.output_indices] = rng.uniform(-0.9, 0.9, size=(samples, 10))
    need = solver_costs(net, samples)["matrix_free"][1]
    print(f"ResNet-20-shaped, 3 x {size} x {size}: N = {net.n_neurons}, "
          f"{net.hidden_indices.size} hidden; {samples} samples; estimated memory "
          f"{need / 2**30:.2f} GiB")
    # Batches of `batch` samples: a memory limit that fits that many (the driver's batching).
    limit = None if batch is None else 1.01 * solver_costs(net, batch)["matrix_free"][1]
    with threadpool_limits(threads):
        start = time.perf_counter()
        res = constrained_bulk_minimum(net, x, x0=x, gtol=1e-6, solver="matrix_free",
                                       max_iter=max_iter, memory_limit=limit)
        wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    it = res.iterations
    print(f"U = {res.mean_loss:.6g} (start {np.mean(res.start_loss):.6g}); {res.message}; "
          f"Newton iterations mean {it.mean():.1f}, max {it.max()}; H per sample "
          + " ".join(f"{v:.4g}" for v in res.loss) + "; projected gradient "
          + " ".join(f"{v:.1e}" for v in res.gradient_norm))
    print(f"wall time {wall:.1f} s ({wall / samples:.2f} s per sample; target 100 samples "
          f"<= 300 s), peak memory {peak:.2f} GiB; {_load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("lenet", "resnet"), required=True)
    parser.add_argument("--samples", type=int, default=None,
                        help="samples (default 1000 for lenet, 100 for resnet)")
    parser.add_argument("--size", type=int, default=32, help="resnet input side")
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (resnet)")
    parser.add_argument("--max-iter", type=int, default=100,
                        help="Newton-iteration cap per sample (resnet)")
    parser.add_argument("--batch", type=int, default=None,
                        help="solve in batches of this many samples (resnet; default all)")
    parser.add_argument("--kinked-max-cg", type=int, default=None,
                        help="CG steps per Newton iteration for relu graphs (default "
                             "newton_cg.KINKED_MAX_CG; 500 was the cap before it)")
    parser.add_argument("--dir", type=Path, default=ROOT / "benchmarks" / ".graph_bulk",
                        help="where the LeNet ONNX file and the analysis go")
    args = parser.parse_args()
    if args.part == "lenet":
        lenet(args.dir, args.samples or 1000)
    else:
        if args.kinked_max_cg is not None:
            from learning.bulk_minimum import newton_cg

            newton_cg.KINKED_MAX_CG = args.kinked_max_cg
        resnet(args.samples or 100, args.size, args.threads, args.max_iter, args.batch)


if __name__ == "__main__":
    main()
