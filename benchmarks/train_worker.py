"""Times training iterations of whichever torch_mimicry is importable (this library or the
original 0.1.16 in its own virtual environment) and prints one JSON line.

One iteration = ``n_dis`` discriminator steps, each on a fresh batch from a DataLoader, then one
generator step, exactly as each library's Trainer runs them. Usage (normally through
bench_train.py): python train_worker.py --family sngan --iters 3 --warmup 1
"""
import argparse
import json
import time

import importlib.util
import sys
import types

import torchvision  # noqa: F401  (before anything that could import TensorFlow)
import torch


def _stand_ins_for_the_original():
    """torch-mimicry 0.1.16 imports ``torch._six`` (gone from torch) and TensorFlow (for its metrics
    only) at import time; empty stand-ins let its training code run on a current torch."""
    six = types.ModuleType("torch._six")
    six.PY3, six.string_classes, six.int_classes = True, (str, bytes), int
    sys.modules.setdefault("torch._six", six)
    if importlib.util.find_spec("tensorflow") is None:
        sys.modules["tensorflow"] = _Anything("tensorflow")


class _Anything(types.ModuleType):
    """Any attribute, called or not, is another stand-in (for import-time uses such as ``tf.io.gfile``)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything(name)

    def __call__(self, *args, **kwargs):
        return _Anything("call")


_stand_ins_for_the_original()
import torch_mimicry as mmc  # noqa: E402

FAMILIES = {  # family -> (module, generator, discriminator, n_dis)
    "sngan": ("sngan", "SNGANGenerator32", "SNGANDiscriminator32", 5),
    "ssgan": ("ssgan", "SSGANGenerator32", "SSGANDiscriminator32", 2),
    "dcgan": ("dcgan", "DCGANGenerator32", "DCGANDiscriminator32", 1),
    "wgan_gp": ("wgan_gp", "WGANGPGenerator32", "WGANGPDiscriminator32", 5),
    "cgan_pd": ("cgan_pd", "CGANPDGenerator32", "CGANPDDiscriminator32", 5),
    "infomax_gan": ("infomax_gan", "InfoMaxGANGenerator32", "InfoMaxGANDiscriminator32", 5),
    "sagan": ("sagan", "SAGANGenerator32", "SAGANDiscriminator32", 1),
    # this library's SSGAN with fuse_forwards=True; the original runs its plain SSGAN for it
    "ssgan_fused": ("ssgan", "SSGANGenerator32", "SSGANDiscriminator32", 2),
    # this library only: BigGAN-32 with n_dis 4 (BigGAN-PyTorch's CIFAR-10 script) and BigGAN-128 at
    # its ImageNet widths with n_dis 1 (its ImageNet script), on 128x128 images
    "biggan": ("biggan", "BigGANGenerator32", "BigGANDiscriminator32", 4),
    "biggan128": ("biggan", "BigGANGenerator128", "BigGANDiscriminator128", 1),
}
CONDITIONAL = ("cgan_pd", "sagan", "biggan", "biggan128")
RESOLUTION = {"biggan128": 128}  # 32 for the others
IS_THIS_LIBRARY = hasattr(mmc.training.Trainer, "_train_iteration")


def build(family, batch_size, seed=0):
    module, g_name, d_name, n_dis = FAMILIES[family]
    torch.manual_seed(seed)
    package = getattr(mmc.nets, module)
    kwargs = {"num_classes": 10} if family in CONDITIONAL else {}
    d_kwargs = dict(kwargs, fuse_forwards=True) if family == "ssgan_fused" and IS_THIS_LIBRARY else kwargs
    netG, netD = getattr(package, g_name)(**kwargs), getattr(package, d_name)(**d_kwargs)
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    res = RESOLUTION.get(family, 32)
    data = torch.utils.data.TensorDataset(torch.rand(batch_size * 8, 3, res, res) * 2 - 1,
                                          torch.randint(0, 10, (batch_size * 8,)))
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True, drop_last=True)
    return netG, netD, optD, optG, loader, n_dis


def iteration_fn(family, batch_size, log_dir, device="cpu", amp=None, channels_last=None, compile=False,
                 augment=None, lecam=None):
    netG, netD, optD, optG, loader, n_dis = build(family, batch_size)
    netG, netD = netG.to(device), netD.to(device)
    if IS_THIS_LIBRARY:  # this library: its Trainer's own loop body
        extra = {"amp": amp or False, "compile": compile} if hasattr(mmc.training.trainer, "MixedPrecision") else {}
        if augment is not None or lecam is not None:
            extra.update(augment=augment, lecam=lecam)
        trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=loader,
                                       num_steps=10 ** 6, n_dis=n_dis, log_dir=log_dir, device=device,
                                       channels_last=channels_last, **extra)
        if hasattr(trainer, "stream"):
            trainer._setup()
            trainer.stream.new_epoch()
        else:  # an earlier version of this library
            trainer._new_epoch()
        netD.train(), netG.train()
        return lambda: trainer._train_iteration(mmc.training.MetricLog()), n_dis

    from torch_mimicry.training.metric_log import MetricLog  # the original's loop body
    state = {"it": iter(loader)}

    def next_batch():
        try:
            return next(state["it"])
        except StopIteration:
            state["it"] = iter(loader)
            return next(state["it"])

    scaler = torch.cuda.amp.GradScaler() if amp else None  # the original's Trainer(amp=True): one scaler
    device = torch.device(device)

    def run():
        log = MetricLog()
        for _ in range(n_dis):
            batch = [t.to(device) for t in next_batch()]
            log = netD.train_step(batch, netG=netG, optD=optD, log_data=log, device=device, global_step=0,
                                  scaler=scaler)
        netG.train_step(batch, netD=netD, optG=optG, log_data=log, device=device, global_step=0, scaler=scaler)

    return run, n_dis


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--family", default="sngan", choices=sorted(FAMILIES))
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--log_dir", default="/tmp/mimicry_bench_log")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--amp", default=None, help="this library: True/fp16/bf16; the original: any value = its amp")
    parser.add_argument("--channels_last", default=None, choices=[None, "0", "1"])
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--augment", default=None, help="this library: Trainer(augment=...), e.g. diffaugment")
    parser.add_argument("--ada_p", type=float, default=None, help="this library: ADA with this fixed p")
    parser.add_argument("--lecam", type=float, default=None, help="this library: Trainer(lecam=...)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    amp = {"True": True, "true": True}.get(args.amp, args.amp)
    channels_last = None if args.channels_last is None else args.channels_last == "1"
    augment = args.augment
    if args.ada_p is not None:
        augment = mmc.augment.ADA(p=args.ada_p, adaptive=False)
    run, n_dis = iteration_fn(args.family, args.batch_size, args.log_dir, device=args.device, amp=amp,
                              channels_last=channels_last, compile=args.compile, augment=augment, lecam=args.lecam)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    warmup_start = time.perf_counter()
    for _ in range(args.warmup):
        run()
    sync()
    warmup_seconds = time.perf_counter() - warmup_start  # with compile=True: includes compiling
    times, cpu_times = [], []
    for _ in range(args.iters):
        start, cpu_start = time.perf_counter(), time.process_time()
        run()
        sync()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)  # summed over threads; less sensitive to other load
    print(json.dumps({"library": getattr(mmc, "__version__", "unknown"), "family": args.family,
                      "n_dis": n_dis, "batch_size": args.batch_size, "threads": args.threads, "device": args.device,
                      "amp": args.amp, "channels_last": args.channels_last, "compile": args.compile,
                      "augment": args.augment, "ada_p": args.ada_p, "lecam": args.lecam,
                      "warmup_seconds": warmup_seconds, "seconds_per_iteration": times,
                      "cpu_seconds_per_iteration": cpu_times}))


if __name__ == "__main__":
    main()
