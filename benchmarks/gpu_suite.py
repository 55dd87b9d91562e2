"""Every GPU measurement of the benchmarks in one run, each result printed (and appended to a JSON
lines file) as soon as it is measured, most important first.

1. Training iterations per second at 32 px, batch 64, for SNGAN and SSGAN: this library in
   float32, with AMP (float16 + GradScaler), and with AMP + channels-last + ``torch.compile``;
   torch-mimicry 0.1.16 in float32 and with its ``amp=True`` (its scaler reaches only the base
   class's ``train_step``: its SSGAN ignores it and runs in float32).
2. Inception feature extraction (images per second) and the wall time of FID-50K: 50 000 images
   of a 32 px generator (SNGAN-32, default widths) through the Inception network, against
   cached real features. The network has the 2015 graph's architecture with random
   (stand-in) weights: the timing depends on the architecture only, and no score printed here
   means anything.
3. BigGAN iterations per second at 32 and 128 px, with and without AMP (where the family exists).
4. R3GAN-32 training iterations (one D step with R1 + R2, one G step) at the CIFAR-10 preset's
   widths (768), batch 64: this library in float32 and with AMP, against the authors' code
   (``--r3gan-official-path``, a checkout of github.com/brownvc/R3GAN; on a GPU it builds and runs
   its own CUDA extensions) in float32 and with its preset's bfloat16 stages
   (``benchmarks/bench_r3gan.py``).

Each training configuration runs in its own process (``train_worker.py``); the original runs
from ``--original-path`` (a folder holding its package, put first on ``PYTHONPATH``).

    python benchmarks/gpu_suite.py --device cuda --original-path .ref016 --r3gan-official-path R3GAN --out results.jsonl
    python benchmarks/gpu_suite.py --device cpu --quick          # a dry run of every part
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "train_worker.py")


def emit(out, record):
    print(json.dumps(record), flush=True)
    if out:
        with open(out, "a") as f:
            f.write(json.dumps(record) + "\n")


def run_worker(family, args, extra, original=False, timeout=300, batch_size=None):
    path = args.original_path if original else REPO
    env = dict(os.environ, PYTHONPATH=os.path.abspath(path) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, WORKER, "--family", family, "--iters", str(args.iters), "--warmup", str(args.warmup),
           "--threads", str(args.threads), "--device", args.device, "--batch_size", str(batch_size or args.batch_size),
           *extra]
    start = time.time()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd="/tmp")
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1][:300] if proc.stderr.strip() else "failed"}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    times = sorted(result["seconds_per_iteration"])
    result["median_s"] = times[len(times) // 2]
    result["it_per_s"] = 1.0 / result["median_s"]
    result["wall_s"] = round(time.time() - start, 1)
    del result["seconds_per_iteration"]
    return result


TRAIN_CONFIGS = [("this library fp32", False, ["--channels_last", "0"]),
                 ("this library amp", False, ["--amp", "fp16", "--channels_last", "0"]),
                 ("0.1.16 fp32", True, []),
                 ("0.1.16 amp", True, ["--amp", "1"])]
COMPILE_CONFIGS = [("this library amp+channels_last+compile", False,
                    ["--amp", "fp16", "--channels_last", "1", "--compile"])]


def training_speed(args, configs=TRAIN_CONFIGS):
    for family in args.families:
        for name, original, extra in configs:
            if original and not args.original_path:
                continue
            timeout = args.compile_timeout if "--compile" in extra else 300
            result = run_worker(family, args, extra, original=original, timeout=timeout)
            emit(args.out, dict(result, part="train", family=family, config=name))


def standin_inception_weights():
    from torch_mimicry.metrics.inception import graphdef
    gen = torch.Generator().manual_seed(0)
    sd = {}
    for key, shape in graphdef.canonical_keys().items():
        if key.endswith("running_var"):
            sd[key] = torch.ones(shape)
        elif key.endswith(".bn.weight"):
            sd[key] = torch.ones(shape)
        elif key.endswith("bias") or key.endswith("running_mean"):
            sd[key] = torch.zeros(shape)
        else:
            fan_in = max(1, int(torch.tensor(shape[1:]).prod())) if len(shape) > 1 else 1
            sd[key] = torch.randn(shape, generator=gen) * (2.0 / fan_in) ** 0.5
    return sd


def inception_and_fid(args):
    import torch_mimicry as mmc
    from torch_mimicry.metrics import evaluation
    from torch_mimicry.metrics.inception import features as inception_features
    sd = standin_inception_weights()
    inception_features.load_inception_weights = lambda weights=None: (sd, "stand-in-random-weights")
    device = torch.device(args.device)
    n = args.fid_samples
    batch = args.inception_batch
    images = torch.randint(0, 256, (batch * 4, 3, 32, 32), dtype=torch.uint8)
    mmc.metrics.features.extract(images[:batch], batch_size=batch, device=device)  # build and warm up
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.time()
    mmc.metrics.features.extract(images, batch_size=batch, device=device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.time() - start
    emit(args.out, {"part": "inception", "images": images.shape[0], "batch_size": batch,
                    "images_per_s": images.shape[0] / seconds, "weights": "stand-in (random)"})
    netG = mmc.nets.sngan.SNGANGenerator32().to(device)
    real = torch.randn(n, 2048, dtype=torch.float64)  # cached real features
    start = time.time()
    pool3, _ = evaluation.generated_features(netG, n, seed=0, batch_size=batch, device=device)
    mid = time.time()
    fid = mmc.metrics.fid_from_features(real, pool3)
    end = time.time()
    emit(args.out, {"part": "fid", "num_fake": n, "generator": "SNGANGenerator32", "batch_size": batch,
                    "wall_s": end - start, "generate_and_extract_s": mid - start, "fid_formula_s": end - mid,
                    "score_is_meaningless": round(float(fid), 3), "weights": "stand-in (random)"})


def biggan_speed(args):
    import torch_mimicry as mmc
    if not hasattr(mmc.nets, "biggan"):
        emit(args.out, {"part": "biggan", "error": "no BigGAN family in this version"})
        return
    for family, batch in (("biggan", args.batch_size), ("biggan128", args.biggan128_batch)):
        for name, extra in (("fp32", ["--channels_last", "0"]), ("amp", ["--amp", "fp16", "--channels_last", "0"])):
            result = run_worker(family, args, extra, batch_size=batch)
            emit(args.out, dict(result, part="train", family=family, config=f"this library {name}"))


def r3gan_speed(args):
    cmd = [sys.executable, os.path.join(HERE, "bench_r3gan.py"), "--json", "--device", args.device,
           "--width", str(args.r3gan_width), "--batch_size", str(args.r3gan_batch), "--threads", str(args.threads),
           "--rounds", "1", "--iters", str(args.iters), "--warmup", str(args.warmup)]
    if args.r3gan_official_path:
        cmd += ["--official-path", os.path.abspath(args.r3gan_official_path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.r3gan_timeout, cwd="/tmp")
    except subprocess.TimeoutExpired:
        emit(args.out, {"part": "r3gan", "error": f"timed out after {args.r3gan_timeout} s"})
        return
    records = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    for line in records:
        emit(args.out, json.loads(line))
    if proc.returncode != 0 or not records:
        emit(args.out, {"part": "r3gan", "error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:300]})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--original-path", default=None)
    parser.add_argument("--out", default=None)
    parser.add_argument("--families", nargs="+", default=["sngan", "ssgan"])
    parser.add_argument("--parts", nargs="+", default=["train", "fid", "biggan", "r3gan", "compile"])
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--fid-samples", type=int, default=50000)
    parser.add_argument("--inception-batch", type=int, default=500)
    parser.add_argument("--biggan128-batch", type=int, default=32)
    parser.add_argument("--compile-timeout", type=int, default=240)
    parser.add_argument("--r3gan-official-path", default=None, help="a checkout of github.com/brownvc/R3GAN")
    parser.add_argument("--r3gan-width", type=int, default=768)
    parser.add_argument("--r3gan-batch", type=int, default=64)
    parser.add_argument("--r3gan-timeout", type=int, default=900)
    parser.add_argument("--quick", action="store_true", help="tiny settings, to try every part on a CPU")
    args = parser.parse_args()
    args.batch_size = 64
    if args.quick:
        args.iters, args.warmup, args.fid_samples, args.inception_batch = 1, 0, 20, 10
        args.biggan128_batch, args.batch_size = 2, 4
        args.r3gan_width, args.r3gan_batch = 16, 2
    info = {"part": "machine", "device": args.device, "torch": torch.__version__}
    if args.device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(0)
    emit(args.out, info)
    for part, fn in (("train", training_speed), ("fid", inception_and_fid), ("biggan", biggan_speed),
                     ("r3gan", r3gan_speed), ("compile", lambda a: training_speed(a, COMPILE_CONFIGS))):
        if part in args.parts:
            try:
                fn(args)
            except Exception as e:  # noqa: BLE001  (report and go on with the next part)
                emit(args.out, {"part": part, "error": f"{type(e).__name__}: {e}"[:500]})


if __name__ == "__main__":
    main()
