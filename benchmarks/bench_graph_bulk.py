"""The constrained bulk minimum (3.2) of graph septuples, matrix-free (issue 22 targets).

``--part lenet``: ``python -m learning analyze LENET.onnx --data mnist --samples 1000`` end to
end (interpreter start, reading the ONNX file, the digits, the bulk minimum behind U, the
spectrum, the report), target <= 60 s on 2 cores.  LeNet-5 (tanh, average pooling, 7302
neurons) is trained with PyTorch as in ``examples/beyond_mlps.py`` (3 epochs on 4000 digits)
and exported with ``torch.onnx.export`` into ``--dir`` first, unless it is there already.

``--part resnet``: the bulk minimum of ``--samples`` inputs (uniform in [-1, 1], targets
uniform in [-0.9, 0.9], seeded) of the ResNet-20-shaped network of
``benchmarks/bench_resnet20.py`` (relu, He-initialised, BatchNorm calibrated), target 100
samples in <= 5 min.  Prints the Newton iterations per sample and the peak memory.  This is
the stress case: random targets far from the forward outputs of an untrained network.

``--part resnet-trained``: the representative case, what ``analyze`` and Section 10 do.  The
same ResNet-20 shape in PyTorch (conv/BN/relu/Add, global average pooling, a dense head),
trained ``--train-steps`` SGD steps (lr 0.02, momentum 0.9, batches of 64, squared error to
the targets) on the bundled digits placed in 3 x 32 x 32 (28 -> 32 padded with the background
-1, the channel repeated), BatchNorm then in eval mode, exported with ``torch.onnx.export``
and read with ``learning.io.load_network`` (cached in ``--dir``; its forward outputs are
checked against onnxruntime's).  The data are encoded as
``python -m learning analyze --data mnist`` encodes them for a linear output (pixels in
[-1, 1], one-hot targets +-0.9, the first ``--samples`` of its seeded shuffle, all of them
training samples), and the bulk minimum is called as ``analyze`` calls it
(``learning.analysis.BULK_GTOL``, Gauss-Newton for relu, the memory limit), with the solver
fixed to matrix_free (what ``auto`` picks there).

``--part products``: per sample, the time of the products one Newton iteration of the
stress case is made of, on ``--samples`` random-target samples at the forward state: an
evaluation of H and its gradient, one CG step in the residual coordinates (a forward and a
backward substitution through J_hh), one backward substitution alone (10 of them give the 10
rows of dg/de a Woodbury step would need), each in float64 and float32.

    flock /work/bench.lock python benchmarks/bench_graph_bulk.py --part lenet
    flock /work/bench.lock python benchmarks/bench_graph_bulk.py --part resnet-trained --samples 20
    flock /work/bench.lock python benchmarks/bench_graph_bulk.py --part resnet --samples 10
        [--max-iter 100] [--size 32] [--batch 2]
    flock /work/bench.lock python benchmarks/bench_graph_bulk.py --part products --samples 10
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


def stress_case(samples: int, size: int):
    """The untrained ResNet-20-shaped network of bench_resnet20.py and ``samples`` seeded
    inputs U[-1, 1] at their forward states, the outputs clamped to targets U[-0.9, 0.9]."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_resnet20 import resnet20

    print(_load())
    net = resnet20(size=size)
    rng = np.random.default_rng(1)
    x = net.forward(rng.uniform(-1, 1, size=(samples, 3 * size * size)))
    x[:, net.output_indices] = rng.uniform(-0.9, 0.9, size=(samples, 10))
    return net, x


def resnet(samples: int, size: int, threads: int | None, max_iter: int,
           batch: int | None = None) -> None:
    from threadpoolctl import threadpool_limits

    from learning.bulk_minimum import constrained_bulk_minimum, solver_costs

    net, x = stress_case(samples, size)
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
    _report(res, wall, samples)


def _resnet20_torch():
    """The ResNet-20 shape of bench_resnet20.py as a torch module (3 x 32 x 32 inputs)."""
    from torch import nn

    def conv_bn(c_in, c_out, stride, kernel):
        return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False),
                             nn.BatchNorm2d(c_out))

    class Block(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.a, self.b = conv_bn(c_in, c_out, stride, 3), conv_bn(c_out, c_out, 1, 3)
            self.short = conv_bn(c_in, c_out, stride, 1) if stride != 1 else nn.Identity()

        def forward(self, x):
            return nn.functional.relu(self.b(nn.functional.relu(self.a(x))) + self.short(x))

    layers: list = [conv_bn(3, 16, 1, 3), nn.ReLU()]
    c_in = 16
    for stage, c in enumerate((16, 32, 64)):
        for block in range(3):
            layers.append(Block(c_in, c, 2 if stage > 0 and block == 0 else 1))
            c_in = c
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


def _digits_32(n: int):
    """The first ``n`` training digits as ``analyze --data mnist`` encodes them for a linear
    output (pixels in [-1, 1], targets +-0.9), placed in 3 x 32 x 32."""
    from learning.experiments.datasets import load_mnist

    data = load_mnist(input_scaling="symmetric", n_train=min(n, 4000), n_test=1)
    images = np.pad(data.train.inputs.reshape(-1, 1, 28, 28), ((0, 0), (0, 0), (2, 2), (2, 2)),
                    constant_values=-1.0)
    targets = np.where(np.eye(10)[data.train.labels] > 0, 0.9, -0.9)
    return np.repeat(images, 3, axis=1), targets, data.train.labels


def resnet_trained_file(directory: Path, steps: int, loss: str = "mse") -> Path:
    """The trained ResNet-20-shaped network as ONNX (trained and exported once): on the
    squared error to the +-0.9 targets (``"mse"``, as Section 10 trains) or on the
    cross-entropy of the outputs as logits (``"ce"``, as most users' networks are trained)."""
    suffix = "" if loss == "mse" else f"_{loss}"
    path = directory / f"resnet20_digits_{steps}{suffix}.onnx"
    if path.exists():
        return path
    import torch

    torch.manual_seed(0)
    images, targets, labels = _digits_32(4000)
    x, y = torch.tensor(images, dtype=torch.float32), torch.tensor(targets, dtype=torch.float32)
    classes = torch.tensor(labels)
    module = _resnet20_torch()
    opt = torch.optim.SGD(module.parameters(), lr=0.02, momentum=0.9)
    module.train()
    start, step = time.perf_counter(), 0
    while step < steps:
        for batch in torch.randperm(len(x)).split(64):
            if step == steps:
                break
            opt.zero_grad()
            out = module(x[batch])
            value = (0.5 * ((out - y[batch]) ** 2).sum(1).mean() if loss == "mse" else
                     torch.nn.functional.cross_entropy(out, classes[batch]))
            value.backward()
            opt.step()
            step += 1
    module.eval()
    with torch.no_grad():
        out = module(x).numpy()
    acc = float(np.mean(out.argmax(1) == labels))
    boundary = 0.5 * np.mean(np.sum((out - targets) ** 2, axis=1))
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.onnx")
    torch.onnx.export(module, (x[:1],), str(tmp), dynamo=False)
    tmp.replace(path)
    print(f"trained {steps} SGD steps ({loss}) in {time.perf_counter() - start:.0f} s: training "
          f"accuracy {acc:.3f}, boundary loss (2.11) {boundary:.4f} on the 4000 digits; saved "
          f"{path}")
    return path


def resnet_trained(directory: Path, samples: int, steps: int, max_iter: int,
                   threads: int | None, loss: str = "mse") -> None:
    from threadpoolctl import threadpool_limits

    from learning.analysis import BULK_GTOL
    from learning.bulk_minimum import constrained_bulk_minimum, solver_costs
    from learning.graph.septuple import neuron_activation
    from learning.io import load_network
    from ntcore import limits

    print(_load())
    path = resnet_trained_file(directory, steps, loss)
    net = load_network(path)
    images, targets, _ = _digits_32(samples)
    x = net.forward(images.reshape(samples, -1))
    outs = net.output_indices
    try:  # the graph read from the file computes what the file computes
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path))
        name = session.get_inputs()[0].name
        ref = np.concatenate([session.run(None, {name: images[i:i + 1].astype(np.float32)})[0]
                              for i in range(samples)])
        print(f"max |graph forward - onnxruntime| on the outputs: "
              f"{np.abs(x[:, outs] - ref).max():.1e} (float32 file)")
    except ImportError:
        pass
    boundary = 0.5 * np.sum((x[:, outs] - targets) ** 2, axis=1)
    x[:, outs] = targets
    newton = neuron_activation(net).second_derivative is not None
    need = solver_costs(net, samples)["matrix_free"][1]
    print(f"trained ResNet-20-shaped: N = {net.n_neurons}, {net.hidden_indices.size} hidden; "
          f"{samples} training digits; U_boundary = {boundary.mean():.6g}; gtol {BULK_GTOL:g}; "
          f"estimated memory {need / 2**30:.2f} GiB")
    with threadpool_limits(threads):
        start = time.perf_counter()
        res = constrained_bulk_minimum(net, x, x0=x, gtol=BULK_GTOL, solver="matrix_free",
                                       method="newton" if newton else "gauss-newton",
                                       max_iter=max_iter,
                                       memory_limit=limits.BULK_MINIMUM_LIMIT_BYTES)
        wall = time.perf_counter() - start
    _report(res, wall, samples)


def _report(res, wall: float, samples: int) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    it = res.iterations
    print(f"U = {res.mean_loss:.6g} (start {np.mean(res.start_loss):.6g}); {res.message}; "
          f"Newton iterations mean {it.mean():.1f}, max {it.max()}, per sample "
          + " ".join(str(int(i)) for i in it) + "; H per sample "
          + " ".join(f"{v:.4g}" for v in res.loss) + "; projected gradient "
          + " ".join(f"{v:.1e}" for v in res.gradient_norm))
    print(f"wall time {wall:.1f} s ({wall / samples:.2f} s per sample; target 100 samples "
          f"<= 300 s), peak memory {peak:.2f} GiB; {_load()}")


def _per_sample(fn, samples: int, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best / samples


def products(samples: int, size: int, threads: int | None, repeats: int) -> None:
    from threadpoolctl import threadpool_limits

    from learning.bulk_minimum.graph_operators import GraphChain, GraphCouplings
    from learning.bulk_minimum.problem import Problem

    net, x = stress_case(samples, size)
    rng = np.random.default_rng(2)
    couplings = GraphCouplings(net)
    problem, chain = Problem(net, x, None, couplings, dense=False), GraphChain(couplings)
    z, idx = x[:, net.hidden_indices], np.arange(samples)
    d = problem.evaluate_cached(z, idx, False)[2][0]
    print(f"ResNet-20-shaped, 3 x {size} x {size}: N = {net.n_neurons}; {samples} samples, "
          f"best of {repeats}; milliseconds per sample")
    with threadpool_limits(threads):
        ms = 1e3 * _per_sample(lambda: problem.evaluate_cached(z, idx, False), samples, repeats)
        print(f"H, gradient and f' (float64): {ms:.1f}")
        for dtype in (np.float64, np.float32):
            e = rng.normal(size=z.shape).astype(dtype)
            dd = d.astype(dtype)

            def cg_step(e=e, dd=dd):
                _, q = chain.solve(e, dd)
                chain.transpose_solve(None, dd, rows=q)

            ms_cg = 1e3 * _per_sample(cg_step, samples, repeats)
            back = np.zeros((samples, couplings.n_rows), dtype)
            back[:, problem.other_rows] = 1.0
            ms_back = 1e3 * _per_sample(lambda dd=dd, back=back: chain.transpose_solve(
                None, dd, rows=back), samples, repeats)
            print(f"{np.dtype(dtype).name}: CG step (forward + backward substitution) "
                  f"{ms_cg:.1f}, backward substitution {ms_back:.1f}")
    print(_load())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", required=True,
                        choices=("lenet", "resnet", "resnet-trained", "products"))
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
    parser.add_argument("--train-steps", type=int, default=300,
                        help="SGD steps of the trained ResNet (resnet-trained)")
    parser.add_argument("--train-loss", choices=("mse", "ce"), default="mse",
                        help="resnet-trained: squared error to the targets (Section 10) or "
                             "cross-entropy of the outputs as logits")
    parser.add_argument("--dir", type=Path, default=ROOT / "benchmarks" / ".graph_bulk",
                        help="where the LeNet ONNX file and the analysis go")
    args = parser.parse_args()
    if args.part == "lenet":
        lenet(args.dir, args.samples or 1000)
    elif args.part == "products":
        products(args.samples or 10, args.size, args.threads, 5)
    elif args.part == "resnet-trained":
        resnet_trained(args.dir, args.samples or 100, args.train_steps, args.max_iter,
                       args.threads, args.train_loss)
    else:
        if args.kinked_max_cg is not None:
            from learning.bulk_minimum import newton_cg

            newton_cg.KINKED_MAX_CG = args.kinked_max_cg
        resnet(args.samples or 100, args.size, args.threads, args.max_iter, args.batch)


if __name__ == "__main__":
    main()
