"""Training speed: this library against the original torch-mimicry 0.1.16, side by side.

Runs each library's iteration (n_dis D steps + 1 G step, batch 64, 2 CPU threads, fp32) in its
own process, alternating between the two for ``--rounds`` rounds, and prints the median
seconds per iteration of each and their ratio. The original runs from its own virtual
environment (``--original-python``), where it needs tensorboard, torchvision imported first
and a stand-in module for ``torch._six``.

    python benchmarks/bench_train.py --original-python /path/to/orig_venv/bin/python --family sngan
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "train_worker.py")


def run_worker(python, family, iters, warmup, threads, extra_env=None, expect_original=False, extra_args=()):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    if expect_original:
        env.pop("PYTHONPATH", None)  # the original must not import this repository's package
    if extra_env:
        env.update(extra_env)
    out = subprocess.run([python, WORKER, "--family", family, "--iters", str(iters), "--warmup", str(warmup),
                          "--threads", str(threads), *extra_args], capture_output=True, text=True, env=env,
                         check=False, cwd="/tmp")
    if out.returncode != 0:
        raise RuntimeError(f"{python} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if (result["library"] == "0.1.16") != expect_original:
        raise RuntimeError(f"{python} imported torch_mimicry {result['library']}, expected "
                           + ("the original 0.1.16" if expect_original else "this library"))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--original-python", default=os.environ.get("MIMICRY_ORIGINAL_PYTHON"),
                        help="python of a virtual environment with torch-mimicry==0.1.16")
    parser.add_argument("--family", nargs="+", default=["sngan"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--iters", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    ours_python = sys.executable
    repo = os.path.dirname(HERE)
    ours_env = {"PYTHONPATH": repo + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for family in args.family:
        ours, original = [], []
        for _ in range(args.rounds):
            ours += run_worker(ours_python, family, args.iters, args.warmup, args.threads,
                               ours_env)["seconds_per_iteration"]
            if args.original_python:
                original += run_worker(args.original_python, family, args.iters, args.warmup,
                                       args.threads, expect_original=True)["seconds_per_iteration"]
        line = f"{family}-32: this library {statistics.median(ours):.2f} s/iter"
        if original:
            line += (f", original 0.1.16 {statistics.median(original):.2f} s/iter, "
                     f"speed-up {statistics.median(original) / statistics.median(ours):.2f}x")
        print(line + f"  (median of {len(ours)} iterations each, {args.threads} threads)", flush=True)


if __name__ == "__main__":
    main()
