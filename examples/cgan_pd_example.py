"""cGAN-PD (Miyato & Koyama 2018) on CIFAR-10 with its published hyperparameters: batch 64, optimizer:
Adam, lr 0.0002, betas (0.0, 0.9), n_dis 5, linear learning-rate decay to 0, 100K generator steps;
hinge loss, class-conditional on the CIFAR-10 labels. Pass --evaluate to compute FID (10K real / 10K
fake images) at the last step.

Example: python examples/cgan_pd_example.py --dataset_dir ./datasets --log_dir ./log/cgan_pd
"""
import argparse

import torch

import torch_mimicry as mmc
from torch_mimicry.nets import cgan_pd

HPARAMS = {"batch_size": 64, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.0, 0.9), "n_dis": 5,
           "lr_decay": "linear", "num_steps": 100000}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset_dir", default="./datasets")
    parser.add_argument("--dataset", default="cifar10", help="a name accepted by mmc.datasets.load_dataset")
    parser.add_argument("--log_dir", default="./log/cgan_pd_example")
    parser.add_argument("--num_steps", type=int, default=HPARAMS["num_steps"])
    parser.add_argument("--batch_size", type=int, default=HPARAMS["batch_size"])
    parser.add_argument("--n_dis", type=int, default=HPARAMS["n_dis"])
    parser.add_argument("--ngf", type=int, default=256, help="generator width")
    parser.add_argument("--ndf", type=int, default=128, help="discriminator width")
    parser.add_argument("--num_classes", type=int, default=10, help="classes of the dataset (10 for CIFAR-10)")
    parser.add_argument("--num_workers", type=int, default=4)
    parser.add_argument("--device", default=None, help="e.g. cpu or cuda:0 (default: cuda:0 when available)")
    parser.add_argument("--evaluate", action="store_true", help="compute FID at the last step after training")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    device = torch.device(args.device or ("cuda:0" if torch.cuda.is_available() else "cpu"))

    dataset = mmc.datasets.load_dataset(root=args.dataset_dir, name=args.dataset)
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True,
                                             num_workers=args.num_workers, drop_last=len(dataset) >= args.batch_size)
    netG = cgan_pd.CGANPDGenerator32(num_classes=args.num_classes, ngf=args.ngf).to(device)
    netD = cgan_pd.CGANPDDiscriminator32(num_classes=args.num_classes, ndf=args.ndf).to(device)
    optD = torch.optim.Adam(netD.parameters(), HPARAMS["lr_D"], betas=HPARAMS["betas"])
    optG = torch.optim.Adam(netG.parameters(), HPARAMS["lr_G"], betas=HPARAMS["betas"])

    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, n_dis=args.n_dis,
                                   num_steps=args.num_steps, lr_decay=HPARAMS["lr_decay"], dataloader=dataloader,
                                   log_dir=args.log_dir, device=device)
    trainer.train()

    if args.evaluate:
        mmc.metrics.evaluate(metric="fid", log_dir=args.log_dir, netG=netG, dataset=args.dataset,
                             dataset_root=args.dataset_dir, num_real_samples=10000, num_fake_samples=10000,
                             evaluate_step=args.num_steps, device=device)
    return netG, netD


if __name__ == "__main__":
    main()
