"""Speed and peak memory of precision / recall against a straightforward numpy implementation.

Two sets of N x D features (default 10 000 x 2048, non-negative and correlated like pool3
activations). Each implementation runs in a child process of its own (so peak memory is its
own), alternating between them for ``--rounds`` rounds; the table shows the median time and
the largest peak memory above what the process held before computing (the features, the
libraries). Both must give the same precision and recall.

* ``numpy``: the definition written directly with numpy in float64, the dtype of this
  library's features: full N x N / N x M distance matrices from ``|a|^2 + |b|^2 - 2 a.b``,
  ``np.partition`` for the k-th neighbour, comparisons of whole matrices.
* ``numpy-f32``: the same on float32 copies (half the memory; results may differ in ties).
* ``mimicry``: ``precision_recall_from_features`` (float32 blocks with exact float64
  decisions, self-distances of one triangle, bounded memory).
* ``mimicry-cached``: the same with the real set's k-NN radii already computed, as for the
  second and later seeds or checkpoints of ``evaluate`` (``ManifoldScorer`` keeps them).

Times are wall-clock seconds; CPU seconds (all threads) are shown too, as they are less
disturbed by other processes on a shared machine.

Run: ``python benchmarks/bench_prdc.py [--n 10000] [--dim 2048] [--rounds 2] [--threads 2]``.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def pool3_like(n, d, seed, shift=0.0):
    """Non-negative correlated features: a ReLU of a random low-rank mixture plus noise."""
    import numpy as np
    rng = np.random.RandomState(seed)
    basis = np.random.RandomState(2024).randn(64, d) / 8.0
    x = rng.randn(n, 64) @ basis + 0.3 * rng.randn(n, d) + shift
    return np.maximum(x, 0.0).astype(np.float32).astype(np.float64)


def numpy_precision_recall(real, fake, k=3):
    import numpy as np

    def dists(a, b):
        sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
        return np.sqrt(np.maximum(sq, 0.0))

    d = dists(real, real)
    r_real = np.partition(d, k, axis=1)[:, k]   # column k: the k-th neighbour (the row itself is at 0)
    del d
    d = dists(fake, fake)
    r_fake = np.partition(d, k, axis=1)[:, k]
    del d
    d = dists(real, fake)
    precision = float((d <= r_real[:, None]).any(axis=0).mean())
    recall = float((d <= r_fake[None, :]).any(axis=1).mean())
    return precision, recall


def _memory_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child(args):
    """Runs one implementation and prints a JSON line (seconds, peak extra MiB, results)."""
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    import resource

    from torch_mimicry.metrics import precision_recall_from_features
    from torch_mimicry.metrics.prdc import ManifoldScorer
    data = np.load(args.data)
    real, fake = data["real"], data["fake"]
    if args.impl == "numpy-f32":
        real, fake = real.astype(np.float32), fake.astype(np.float32)
    before = _memory_kb("VmRSS")
    try:  # reset the peak to the current size (Linux >= 4.0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    if args.impl == "mimicry-cached":
        scorer = ManifoldScorer(real)
        scorer._real_radii(args.k)
        before = _memory_kb("VmRSS")

    def cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    start, start_cpu = time.perf_counter(), cpu()
    if args.impl == "mimicry":
        result = tuple(precision_recall_from_features(real, fake, k=args.k))
    elif args.impl == "mimicry-cached":
        result = tuple(scorer.precision_recall(fake, k=args.k))
    else:
        result = numpy_precision_recall(real, fake, k=args.k)
    seconds, cpu_seconds = time.perf_counter() - start, cpu() - start_cpu
    peak = _memory_kb("VmHWM")
    print(json.dumps({"impl": args.impl, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "peak_mib": (peak - before) / 1024, "precision": result[0], "recall": result[1]}))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10000, help="rows per set")
    p.add_argument("--dim", type=int, default=2048)
    p.add_argument("--k", type=int, default=3)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--impls", nargs="+", default=["numpy", "numpy-f32", "mimicry", "mimicry-cached"])
    p.add_argument("--child", dest="impl", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.impl:
        return child(args)
    import numpy as np
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "features.npz")
        np.savez(data, real=pool3_like(args.n, args.dim, 0), fake=pool3_like(args.n, args.dim, 1, shift=0.05))
        env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
        runs = {impl: [] for impl in args.impls}
        for r in range(args.rounds):
            for impl in args.impls:
                out = subprocess.run([sys.executable, __file__, "--child", impl, "--data", data, "--k", str(args.k),
                                      "--threads", str(args.threads)], env=env, capture_output=True, text=True,
                                     check=True)
                res = json.loads(out.stdout.strip().splitlines()[-1])
                runs[impl].append(res)
                print(f"round {r + 1}: {impl:14s} {res['seconds']:8.2f} s ({res['cpu_seconds']:7.2f} s CPU)  "
                      f"peak +{res['peak_mib']:8.0f} MiB  "
                      f"precision {res['precision']:.4f} recall {res['recall']:.4f}", flush=True)
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"\n{args.n} x {args.dim} features per set, k={args.k}, {args.threads} threads, {cpu}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    base = statistics.median(r["seconds"] for r in runs[args.impls[0]])
    base_cpu = statistics.median(r["cpu_seconds"] for r in runs[args.impls[0]])
    print("| implementation | median time (s) | speed-up | median CPU time (s) | CPU speed-up | peak memory above "
          "the features (MiB) | precision | recall |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for impl, rs in runs.items():
        t = statistics.median(r["seconds"] for r in rs)
        c = statistics.median(r["cpu_seconds"] for r in rs)
        print(f"| {impl} | {t:.1f} | {base / t:.2f}x | {c:.1f} | {base_cpu / c:.2f}x | "
              f"{max(r['peak_mib'] for r in rs):.0f} | {rs[0]['precision']:.4f} | {rs[0]['recall']:.4f} |")
    same = {(r["precision"], r["recall"]) for impl in ("numpy", "mimicry", "mimicry-cached")
            for r in runs.get(impl, [])}
    print(f"numpy (float64) and mimicry agree exactly: {len(same) <= 1}")


if __name__ == "__main__":
    main()
