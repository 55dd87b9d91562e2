"""R3GAN-32 training speed against the authors' code, side by side in one process.

One iteration = one discriminator step (RpGAN + R1 + R2, a double backward) and one generator
step, at the CIFAR-10 preset's shape (4 stages, 2 blocks each, groups of 16 channels, expansion 2,
z = 64) with a reduced width (``--width``, the preset's is 768), unconditional, Adam (betas 0 /
0.99). This library runs through its Trainer's own loop body (``Trainer._train_iteration``: both
networks' ``train_step``, channels-last on the CPU by default, ``amp='bf16'`` for bfloat16); the
authors' code (github.com/brownvc/R3GAN, a checkout given by ``--official-path``; it runs from
there and nothing of it is imported by the package) runs its own training-loop body: for each
phase ``zero_grad``, ``requires_grad_``, ``R3GAN.Trainer.AdversarialTraining``'s
``AccumulateDiscriminatorGradients`` / ``AccumulateGeneratorGradients``, the gradient flattening
and ``opt.step()`` of ``training/training_loop.py``. On a CPU its ``bias_act`` and ``upfirdn2d``
take their pure-PyTorch reference paths (the CUDA extensions are never built). Official rows:
``fp32`` (``FP16Stages=[]``) and ``preset bf16`` (the preset's ``FP16Stages``: the generator's
last three stages and the discriminator's first three in bfloat16).

The configurations alternate iteration by iteration (``--rounds`` rounds of ``--iters`` each, after
``--warmup``), so a shared machine's load hits them alike; the figures are medians of wall time
and of CPU time (summed over the threads).

    python benchmarks/bench_r3gan.py --official-path /path/to/R3GAN --width 128 --batch_size 16
    python benchmarks/bench_r3gan.py --official-path /path/to/R3GAN --json   # JSON lines (gpu_suite.py)
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import types

import torchvision  # noqa: F401  (before anything that could import TensorFlow)
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import torch_mimicry as mmc  # noqa: E402
from torch_mimicry.nets import r3gan  # noqa: E402


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def plan(width):
    return r3gan.PLANS["cifar10"].scaled(width)


def data(batch_size, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(batch_size * 4, 3, 32, 32, generator=g) * 2 - 1


def library_iteration(width, batch_size, amp=False, channels_last=None, device="cpu", compile=False):
    """This library: the Trainer's loop body (one D and one G step), as benchmarks/train_worker.py runs it."""
    torch.manual_seed(0)
    netG = r3gan.R3GANGenerator32(plan=plan(width))
    netD = r3gan.R3GANDiscriminator32(plan=plan(width), gamma=0.05)
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.99), eps=1e-8)
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.99), eps=1e-8)
    images = data(batch_size)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, torch.zeros(len(images),
                                                                                            dtype=torch.long)),
                                         batch_size=batch_size, shuffle=True, drop_last=True)
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=loader, num_steps=10 ** 6,
                                   log_dir=tempfile.mkdtemp(prefix="bench_r3gan_"), device=device, amp=amp,
                                   channels_last=channels_last, compile=compile)
    trainer._setup()
    trainer.stream.new_epoch()
    netD.train(), netG.train()
    return lambda: trainer._train_iteration(mmc.training.MetricLog())


def import_official(path):
    """The authors' modules from their checkout (``pkg_resources`` stands in where setuptools no longer has it)."""
    if path not in sys.path:
        sys.path.insert(0, path)
    if "pkg_resources" not in sys.modules:
        try:
            import pkg_resources  # noqa: F401
        except ImportError:
            from packaging.version import parse
            sys.modules["pkg_resources"] = types.SimpleNamespace(parse_version=parse)
    import training.networks as networks
    from R3GAN.Trainer import AdversarialTraining
    return networks, AdversarialTraining


def official_iteration(path, width, batch_size, preset_bf16=False, device="cpu"):
    """The authors' training-loop body for one D and one G phase (training/training_loop.py)."""
    networks, AdversarialTraining = import_official(path)
    p = plan(width)
    torch.manual_seed(0)
    common = dict(c_dim=0, img_resolution=32)
    G = networks.Generator(NoiseDimension=p.nz, WidthPerStage=list(p.widths), CardinalityPerStage=list(p.cardinality),
                           BlocksPerStage=list(p.blocks), ExpansionFactor=p.expansion,
                           FP16Stages=[-1, -2, -3] if preset_bf16 else [], **common)
    D = networks.Discriminator(WidthPerStage=list(p.widths[::-1]), CardinalityPerStage=list(p.cardinality[::-1]),
                               BlocksPerStage=list(p.blocks[::-1]), ExpansionFactor=p.expansion,
                               FP16Stages=[2, 1, 0] if preset_bf16 else [], **common)
    G, D = G.train().requires_grad_(False).to(device), D.train().requires_grad_(False).to(device)
    loss = AdversarialTraining(G, D)
    optD = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.0, 0.99), eps=1e-8)
    optG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.0, 0.99), eps=1e-8)
    images = data(batch_size).to(device)
    state = {"i": 0}

    def phase(module, opt, accumulate):
        opt.zero_grad(set_to_none=True)
        module.requires_grad_(True)
        accumulate()
        module.requires_grad_(False)
        params = [param for param in module.parameters() if param.grad is not None]
        flat = torch.cat([param.grad.flatten() for param in params])
        for param, grad in zip(params, flat.split([param.numel() for param in params])):
            param.grad = grad.reshape(param.shape)
        opt.step()

    def run():
        i = state["i"] = (state["i"] + 1) % 4
        real = images[i * batch_size:(i + 1) * batch_size]
        z = torch.randn(batch_size, p.nz, device=device)
        phase(D, optD, lambda: loss.AccumulateDiscriminatorGradients(z, real, None, 0.05))
        z = torch.randn(batch_size, p.nz, device=device)
        phase(G, optG, lambda: loss.AccumulateGeneratorGradients(z, real, None))

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--official-path", default=None, help="a checkout of github.com/brownvc/R3GAN")
    parser.add_argument("--width", type=int, default=128, help="width of every stage (the preset: 768)")
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--iters", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--configs", nargs="+", default=None,
                        help="a subset of: library_fp32 library_bf16 library_fp32_nchw library_bf16_nchw "
                             "official_fp32 official_preset_bf16 (default: all that apply)")
    parser.add_argument("--json", action="store_true", help="print one JSON line per configuration")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cuda = args.device.startswith("cuda")
    low = "fp16" if cuda else "bf16"
    makers = {
        "library_fp32": lambda: library_iteration(args.width, args.batch_size, device=args.device),
        f"library_{low}": lambda: library_iteration(args.width, args.batch_size, amp=low, device=args.device),
        "library_fp32_nchw": lambda: library_iteration(args.width, args.batch_size, channels_last=False,
                                                       device=args.device),
        f"library_{low}_nchw": lambda: library_iteration(args.width, args.batch_size, amp=low, channels_last=False,
                                                         device=args.device),
    }
    if args.official_path:
        makers["official_fp32"] = lambda: official_iteration(args.official_path, args.width, args.batch_size,
                                                             device=args.device)
        makers["official_preset_bf16"] = lambda: official_iteration(args.official_path, args.width, args.batch_size,
                                                                    preset_bf16=True, device=args.device)
    names = [n for n in (args.configs or makers) if n in makers]
    runs = {name: makers[name]() for name in names}
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    for _ in range(args.warmup):
        for name in names:
            runs[name]()
    sync()
    wall = {name: [] for name in names}
    cpu = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:
            for _ in range(args.iters):
                start, cpu_start = time.perf_counter(), time.process_time()
                runs[name]()
                sync()
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - cpu_start)
    base = "official_fp32" if "official_fp32" in names else names[0]
    base_wall, base_cpu = statistics.median(wall[base]), statistics.median(cpu[base])
    header = (f"{cpu_model() if not cuda else torch.cuda.get_device_name(0)}, {args.threads} threads, R3GAN-32 width "
              f"{args.width}, batch {args.batch_size}, torch {torch.__version__}")
    if not args.json:
        print(header)
        print(f"{'configuration':<22} {'wall s/iter':>11} {'CPU s/iter':>10} {'speed vs ' + base:>26}")
    for name in names:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        record = {"part": "r3gan", "config": name, "width": args.width, "batch_size": args.batch_size,
                  "threads": args.threads, "device": args.device, "median_s": w, "median_cpu_s": c,
                  "it_per_s": 1.0 / w, "speed_vs_" + base: base_wall / w, "iterations": len(wall[name])}
        if args.json:
            print(json.dumps(record), flush=True)
        else:
            print(f"{name:<22} {w:>11.3f} {c:>10.3f} {base_wall / w:>13.2f}x wall {base_cpu / c:>6.2f}x CPU")
    if not args.json:
        print(f"median of {args.rounds * args.iters} iterations each; load average at the end: "
              f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
