"""Training speed with ``Trainer(compile=True)`` (inductor) against eager, side by side.

Runs ``train_worker.py`` for each family, alternating eager and compiled runs for ``--rounds``
rounds, each in its own process; prints the median seconds per iteration after warm-up, the
ratio (eager / compiled: above 1 means compiling is faster) and, apart, the warm-up time of the
compiled run (compiling happens there; inductor caches kernels between processes, so the first
round's figure is the cold one).

    python benchmarks/bench_compile.py --family sngan ssgan
    python benchmarks/bench_compile.py --device cuda --rounds 1 --iters 20 --warmup 3
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_precision import cpu_model  # noqa: E402
from bench_train import run_worker  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", nargs="+", default=["sngan", "ssgan"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--amp", default=None, help="run both configurations with this amp (e.g. bf16)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    repo = os.path.dirname(HERE)
    env = {"PYTHONPATH": repo + os.pathsep + os.environ.get("PYTHONPATH", "")}
    print(f"# {cpu_model() if args.device == 'cpu' else args.device}, {args.threads} threads, amp={args.amp}",
          flush=True)
    for family in args.family:
        times = {"eager": [], "compiled": []}
        warmups = []
        for _ in range(args.rounds):
            for mode in times:
                extra = ["--device", args.device] + (["--amp", args.amp] if args.amp else [])
                extra += ["--compile"] if mode == "compiled" else []
                out = run_worker(sys.executable, family, args.iters, args.warmup, args.threads, env, extra_args=extra)
                times[mode] += out["seconds_per_iteration"]
                if mode == "compiled":
                    warmups.append(out["warmup_seconds"])
        eager, compiled = statistics.median(times["eager"]), statistics.median(times["compiled"])
        print(f"{family}-32: eager {eager:.3f} s/iter, compiled {compiled:.3f} s/iter ({eager / compiled:.2f}x); "
              f"compiled warm-up ({args.warmup} iterations, compiling included) "
              + ", ".join(f"{w:.1f} s" for w in warmups) + f"  (median of {len(times['eager'])} iterations each)",
              flush=True)


if __name__ == "__main__":
    main()
