"""Speed and agreement of the FID and KID formulas against straightforward references.

FID: two sets of N x 2048 features; ``fid_from_stats`` (Cholesky / eigvalsh route) against
the ``scipy.linalg.sqrtm`` route of the TTUR code (same statistics for both).
KID: S subsets of m rows from two sets of n x 2048 features; ``kid_from_features``
(vectorised, ``auto`` / ``gram`` / ``subsets``) against a plain numpy loop over subsets.

Run: ``python benchmarks/bench_fid_kid.py [--fid-n 3000] [--kid-n 5000] [--threads 2]``.
"""
import argparse
import os
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dim", type=int, default=2048)
    p.add_argument("--fid-n", type=int, default=3000)
    p.add_argument("--kid-n", type=int, default=5000, help="feature rows per set for KID")
    p.add_argument("--subsets", type=int, default=100)
    p.add_argument("--subset-size", type=int, default=1000)
    p.add_argument("--threads", type=int, default=None, help="BLAS / torch threads (default: all)")
    p.add_argument("--repeat", type=int, default=3, help="time the fast routes this many times, keep the best")
    p.add_argument("--torch-device", default=None, help="also time KID with torch on this device, e.g. cuda")
    p.add_argument("--skip-subsets-route", action="store_true", help="do not time KID's 'subsets' route")
    return p.parse_args()


ARGS = parse()
if ARGS.threads:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402

from torch_mimicry.metrics.fid import feature_statistics, fid_from_stats  # noqa: E402
from torch_mimicry.metrics.kid import kid_from_features  # noqa: E402


def pool3_like(n, d, seed, shift=0.0, scale=1.0):
    """Non-negative correlated features (like post-ReLU pool3 activations), float32-exact."""
    rng = np.random.RandomState(seed)
    mix = np.random.RandomState(12345).randn(d, d) / np.sqrt(d)
    return np.maximum(rng.randn(n, d) @ mix * scale + shift, 0.0).astype(np.float32).astype(np.float64)


def fid_sqrtm(mu1, s1, mu2, s2, eps=1e-6):
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        off = np.eye(s1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((s1 + off) @ (s2 + off))
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean)


def kid_loop(x, y, num_subsets, m, seed=0):
    rng = np.random.RandomState(seed)
    d = x.shape[1]
    vals = np.zeros(num_subsets)
    for i in range(num_subsets):
        a = x[rng.choice(len(x), m, replace=False)]
        b = y[rng.choice(len(y), m, replace=False)]
        kxx = (a @ a.T / d + 1) ** 3
        kyy = (b @ b.T / d + 1) ** 3
        kxy = (a @ b.T / d + 1) ** 3
        vals[i] = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) \
            - 2 * kxy.sum() / (m * m)
    return vals.mean(), vals.std()


def timed(fn, *args, repeat=1, **kwargs):
    """``(result, best wall time in seconds over `repeat` calls)``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return out, best


def main():
    d = ARGS.dim
    print(f"threads: {ARGS.threads or os.cpu_count()}  numpy {np.__version__}  scipy {scipy.__version__}  "
          f"(fast routes: best of {ARGS.repeat}; references: one run)")

    x = pool3_like(ARGS.fid_n, d, 0)
    y = pool3_like(ARGS.fid_n, d, 1, shift=0.05, scale=1.1)
    (mu1, s1), t_stats1 = timed(feature_statistics, x)
    (mu2, s2), t_stats2 = timed(feature_statistics, y)
    ours, t_ours = timed(fid_from_stats, mu1, s1, mu2, s2, repeat=ARGS.repeat)
    ref, t_ref = timed(fid_sqrtm, mu1, s1, mu2, s2)
    print(f"\nFID, 2 x {ARGS.fid_n} x {d} features (statistics: {t_stats1 + t_stats2:.2f} s, shared)")
    print(f"  fid_from_stats (cholesky + eigvalsh): {t_ours:8.2f} s   FID {ours:.10f}")
    print(f"  scipy.linalg.sqrtm route (TTUR)     : {t_ref:8.2f} s   FID {ref:.10f}")
    print(f"  speed-up {t_ref / t_ours:.1f}x, relative difference {abs(ours - ref) / abs(ref):.2e}")

    n, s, m = ARGS.kid_n, ARGS.subsets, ARGS.subset_size
    x = pool3_like(n, d, 2)
    y = pool3_like(n, d, 3, shift=0.02)
    print(f"\nKID, {s} subsets of {m} from 2 x {n} x {d} features")
    (ref_mean, ref_std), t_loop = timed(kid_loop, x, y, s, m)
    print(f"  numpy loop over subsets : {t_loop:8.2f} s   KID {ref_mean:.10e} ± {ref_std:.3e}")
    runs = [("auto", None)] + ([] if ARGS.skip_subsets_route else [("subsets", None)])
    if ARGS.torch_device:
        runs.append(("subsets", ARGS.torch_device))
        kid_from_features(x[:50], y[:50], num_subsets=2, subset_size=10, device=ARGS.torch_device)  # warm-up
    for method, device in runs:
        (mean, std), t = timed(kid_from_features, x, y, num_subsets=s, subset_size=m, seed=0, method=method,
                               device=device, repeat=ARGS.repeat if method == "auto" or device else 1)
        label = f"{method!r}" + (f", device={device!r}" if device else "")
        print(f"  kid_from_features({label:9}): {t:8.2f} s   KID {mean:.10e} ± {std:.3e}   "
              f"speed-up {t_loop / t:.1f}x, relative difference {abs(mean - ref_mean) / abs(ref_mean):.2e}")


if __name__ == "__main__":
    main()
