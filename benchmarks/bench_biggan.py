"""BigGAN-32 training speed on this machine, and what each discriminator augmentation and LeCam add.

One iteration = 4 discriminator steps (BigGAN-PyTorch's CIFAR-10 setting), each on a fresh batch,
then one generator step, through the Trainer's own loop body (``benchmarks/train_worker.py``);
default widths (ch 64: 256 channels, attention at 16x16), 10 classes, fp32. The variants run in
their own processes, alternating for ``--rounds`` rounds; the figure is the median of the timed
iterations, in wall-clock seconds and in CPU seconds (summed over the threads: on a machine
that other processes share, the wall time grows with their load, the CPU time much less).
SNGAN-32 (5 discriminator steps) runs alongside for scale.

    python benchmarks/bench_biggan.py --batch_size 50 --rounds 2 --iters 2 --warmup 1
"""
import argparse
import os
import statistics
import sys

from bench_train import run_worker

VARIANTS = {  # name -> (family, extra worker arguments)
    "BigGAN-32": ("biggan", []),
    "+ DiffAugment (color,translation,cutout)": ("biggan", ["--augment", "diffaugment"]),
    "+ ADA at p = 0.5": ("biggan", ["--ada_p", "0.5"]),
    "+ LeCam": ("biggan", ["--lecam", "0.3"]),
    "SNGAN-32 (n_dis 5), for scale": ("sngan", []),
}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch_size", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--iters", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {"PYTHONPATH": repo + os.pathsep + os.environ.get("PYTHONPATH", "")}
    times = {name: [] for name in args.variants}
    cpu = {name: [] for name in args.variants}
    for _ in range(args.rounds):
        for name in args.variants:
            family, extra = VARIANTS[name]
            result = run_worker(sys.executable, family, args.iters, args.warmup, args.threads, env,
                                extra_args=["--batch_size", str(args.batch_size), *extra])
            times[name] += result["seconds_per_iteration"]
            cpu[name] += result["cpu_seconds_per_iteration"]
    print(f"{cpu_model()}, {args.threads} threads, batch {args.batch_size}, fp32", flush=True)
    base = statistics.median(cpu[args.variants[0]])
    for name in args.variants:
        wall, busy = statistics.median(times[name]), statistics.median(cpu[name])
        print(f"{name}: {wall:.2f} s/iter wall, {busy:.2f} CPU s/iter ({busy / base:.2f}x in CPU time; "
              f"median of {len(times[name])} iterations)", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
