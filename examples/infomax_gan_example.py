"""InfoMax-GAN (Lee et al. 2021) on CIFAR-10 with its published hyperparameters: batch 64, optimizer:
Adam, lr 0.0002, betas (0.0, 0.9), n_dis 5, linear learning-rate decay to 0, 100K generator steps;
hinge loss, InfoMax loss scale 0.2, RKHS dimension 1024. Pass --evaluate to compute FID (10K real /
10K fake images) at the last step.

Example: python examples/infomax_gan_example.py --dataset_dir ./datasets --log_dir ./log/infomax_gan
"""
import argparse

import torch

import torch_mimicry as mmc
from torch_mimicry.nets import infomax_gan

HPARAMS = {"batch_size": 64, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.0, 0.9), "n_dis": 5,
           "lr_decay": "linear", "num_steps": 100000}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset_dir", default="./datasets")
    parser.add_argument("--dataset", default="cifar10", help="a name accepted by mmc.datasets.load_dataset")
    parser.add_argument("--log_dir", default="./log/infomax_gan_example")
    parser.add_argument("--num_steps", type=int, default=HPARAMS["num_steps"])
    parser.add_argument("--batch_size", type=int, default=HPARAMS["batch_size"])
    parser.add_argument("--n_dis", type=int, default=HPARAMS["n_dis"])
    parser.add_argument("--ngf", type=int, default=256, help="generator width")
    parser.add_argument("--ndf", type=int, default=128, help="discriminator width")
    parser.add_argument("--nrkhs", type=int, default=1024, help="InfoMax projection dimension")
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
    netG = infomax_gan.InfoMaxGANGenerator32(ngf=args.ngf).to(device)
    netD = infomax_gan.InfoMaxGANDiscriminator32(ndf=args.ndf, nrkhs=args.nrkhs).to(device)
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
