"""What the CIFAR-10 example of every family shares: its command line, and a training run with
the family's published hyperparameters followed, on request, by FID at the last step.

A family's example (``examples/<family>_example.py``) holds its hyperparameters (``HPARAMS``) and
builds its two networks; this module does the rest::

    HPARAMS = {"batch_size": 64, "lr_D": 2e-4, "lr_G": 2e-4, "betas": (0.0, 0.9), "n_dis": 5,
               "lr_decay": "linear", "num_steps": 100000}

    def main(argv=None):
        args = example_cli.parse_args(__doc__, "sngan", HPARAMS, argv)
        netG = mmc.nets.sngan.SNGANGenerator32(ngf=args.ngf)
        netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=args.ndf)
        return example_cli.train(args, HPARAMS, netG, netD)
"""
import argparse

import torch

import torch_mimicry as mmc


def parse_args(doc, family, hparams, argv=None, ngf=256, ndf=128, add_arguments=None):
    """Parses the shared options (dataset, log_dir, num_steps, batch_size, n_dis, ngf, ndf,
    num_workers, device, evaluate, and the Trainer's amp, ema_decay, ema_start, eval_every,
    sync_bn, compile, augment, lecam), with defaults from ``hparams``; ``add_arguments(parser)`` adds a family's
    own options. Every example also runs on several GPUs or nodes under ``torchrun``."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--dataset_dir", default="./datasets")
    parser.add_argument("--dataset", default="cifar10", help="a name accepted by mmc.datasets.load_dataset")
    parser.add_argument("--log_dir", default=f"./log/{family}_example")
    parser.add_argument("--num_steps", type=int, default=hparams["num_steps"])
    parser.add_argument("--batch_size", type=int, default=hparams["batch_size"])
    parser.add_argument("--n_dis", type=int, default=hparams["n_dis"])
    parser.add_argument("--ngf", type=int, default=ngf, help="generator width")
    parser.add_argument("--ndf", type=int, default=ndf, help="discriminator width")
    parser.add_argument("--num_workers", type=int, default=4)
    parser.add_argument("--device", default=None, help="e.g. cpu or cuda:0 (default: cuda:0 when available)")
    parser.add_argument("--evaluate", action="store_true", help="compute FID at the last step after training")
    parser.add_argument("--amp", default=hparams.get("amp", "False"),
                        help="mixed precision: False, True (fp16 on CUDA, bf16 on CPU), fp16 or bf16")
    parser.add_argument("--ema_decay", type=float, default=hparams.get("ema_decay"),
                        help="keep an EMA generator with this decay, e.g. 0.9999")
    parser.add_argument("--ema_start", type=int, default=hparams.get("ema_start", 0))
    parser.add_argument("--eval_every", type=int, default=None,
                        help="FID of the (EMA) generator every N steps, keeping the best checkpoint")
    parser.add_argument("--eval_samples", type=int, default=10000, help="samples per set of --eval_every's FID")
    parser.add_argument("--sync_bn", action="store_true", help="under torchrun: SyncBatchNorm")
    parser.add_argument("--compile", action="store_true", help="torch.compile the networks")
    parser.add_argument("--augment", default=hparams.get("augment"),
                        help="augment every discriminator input: diffaugment, ada or pagan")
    parser.add_argument("--lecam", type=float, default=hparams.get("lecam"),
                        help="LeCam regularisation of the discriminator with this weight, e.g. 0.3")
    if add_arguments is not None:
        add_arguments(parser)
    return parser.parse_args(argv)


def add_num_classes(parser):
    """The ``--num_classes`` option of the class-conditional examples."""
    parser.add_argument("--num_classes", type=int, default=10, help="classes of the dataset (10 for CIFAR-10)")


def train(args, hparams, netG, netD, components=None):
    """Trains ``netG`` and ``netD`` with Adam (``hparams`` lr_D, lr_G, betas, eps, lr_decay) on
    ``args.dataset``, with the Trainer ``components`` given (e.g. schedules); with ``--evaluate``,
    FID (10K real / 10K fake images) at the last step. Returns ``(netG, netD)``."""
    device = torch.device(args.device or ("cuda:0" if torch.cuda.is_available() else "cpu"))
    dataset = mmc.datasets.load_dataset(root=args.dataset_dir, name=args.dataset)
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True,
                                             num_workers=args.num_workers, drop_last=len(dataset) >= args.batch_size)
    netG, netD = netG.to(device), netD.to(device)
    eps = hparams.get("eps", 1e-8)
    optD = torch.optim.Adam(netD.parameters(), hparams["lr_D"], betas=hparams["betas"], eps=eps)
    optG = torch.optim.Adam(netG.parameters(), hparams["lr_G"], betas=hparams["betas"], eps=eps)
    amp = {"false": False, "true": True}.get(str(args.amp).lower(), args.amp)
    eval_kwargs = {"num_samples": args.eval_samples, "dataset": args.dataset, "dataset_root": args.dataset_dir}
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, n_dis=args.n_dis,
                                   num_steps=args.num_steps, lr_decay=hparams["lr_decay"], dataloader=dataloader,
                                   log_dir=args.log_dir, device=device, amp=amp, ema_decay=args.ema_decay,
                                   ema_start=args.ema_start, eval_every=args.eval_every, eval_kwargs=eval_kwargs,
                                   sync_bn=args.sync_bn, compile=args.compile, augment=args.augment,
                                   lecam=args.lecam, components=components)
    trainer.train()
    if args.evaluate:
        mmc.metrics.evaluate(metric="fid", log_dir=args.log_dir, netG=netG, dataset=args.dataset,
                             dataset_root=args.dataset_dir, num_real_samples=10000, num_fake_samples=10000,
                             evaluate_step=args.num_steps, device=device)
    return netG, netD
