"""Training speed of this library in float32 and in mixed precision, side by side.

Runs ``train_worker.py`` for each family and each configuration in its own process, alternating
configurations for ``--rounds`` rounds, and prints the median seconds per iteration and the ratio
to float32. On a CPU, bfloat16 is fast only where ``/proc/cpuinfo`` lists ``amx_bf16`` or
``avx512_bf16``.

    python benchmarks/bench_precision.py --family sngan ssgan --amp bf16
    python benchmarks/bench_precision.py --device cuda --amp fp16 --rounds 1 --iters 20 --warmup 5
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_train import run_worker  # noqa: E402


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return "unknown CPU"
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = [flag for flag in ("amx_bf16", "avx512_bf16") if flag in info]
    return f"{name} ({', '.join(flags) or 'no bf16 instructions'})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", nargs="+", default=["sngan", "ssgan"])
    parser.add_argument("--amp", nargs="+", default=["bf16"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--iters", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    repo = os.path.dirname(HERE)
    env = {"PYTHONPATH": repo + os.pathsep + os.environ.get("PYTHONPATH", "")}
    print(f"# {cpu_model() if args.device == 'cpu' else args.device}, {args.threads} threads", flush=True)
    for family in args.family:
        times = {mode: [] for mode in ["fp32"] + args.amp}
        for _ in range(args.rounds):
            for mode in times:
                extra = [] if mode == "fp32" else ["--amp", mode]
                times[mode] += run_worker(sys.executable, family, args.iters, args.warmup, args.threads, env,
                                          extra_args=["--device", args.device] + extra)["seconds_per_iteration"]
        base = statistics.median(times["fp32"])
        parts = [f"{mode} {statistics.median(t):.3f} s/iter ({base / statistics.median(t):.2f}x)"
                 for mode, t in times.items()]
        print(f"{family}-32: " + ", ".join(parts) + f"  (median of {len(times['fp32'])} iterations each)", flush=True)


if __name__ == "__main__":
    main()
