"""A short SNGAN training run on real handwritten digits: no download, a few minutes on a CPU.

The data are the 1,797 UCI handwritten digits that scikit-learn ships in its wheel
(``load_dataset(None, 'digits')``, 32 px; ``make demo`` installs scikit-learn). Run with
``make demo`` (or ``python examples/demo.py``). It leaves checkpoints, TensorBoard logs and image
grids under ``--log_dir`` and prints where they are. The networks are the SNGAN-32 architecture
at reduced widths so the run stays short; pass ``--ngf 256 --ndf 128`` for the paper's widths.
"""
import argparse
import os
import time

import torch

import torch_mimicry as mmc


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--log_dir", default="./demo_log", help="where checkpoints, logs and images go")
    parser.add_argument("--num_steps", type=int, default=400, help="generator steps")
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--n_dis", type=int, default=2, help="discriminator steps per generator step")
    parser.add_argument("--ngf", type=int, default=64, help="generator width (paper: 256)")
    parser.add_argument("--ndf", type=int, default=64, help="discriminator width (paper: 128)")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="e.g. cpu or cuda:0 (default: cuda if available)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    device = torch.device(args.device or ("cuda:0" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(args.seed)

    dataset = mmc.datasets.load_dataset(root=None, name="digits")
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True, num_workers=0,
                                             drop_last=True)
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=args.ngf).to(device)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=args.ndf).to(device)
    optD = torch.optim.Adam(netD.parameters(), args.lr, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), args.lr, betas=(0.0, 0.9))

    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=dataloader,
                                   num_steps=args.num_steps, n_dis=args.n_dis, lr_decay="linear",
                                   log_dir=args.log_dir, device=device, print_steps=50, log_steps=10,
                                   vis_steps=100, save_steps=200, seed=args.seed)
    start = time.time()
    trainer.train()
    log_dir = os.path.abspath(args.log_dir)
    print(f"\nDemo finished in {time.time() - start:.0f} s.")
    print(f"  checkpoints:  {os.path.join(log_dir, 'checkpoints')}")
    print(f"  image grids:  {os.path.join(log_dir, 'images')}  (fixed_fake_samples_step_<k>.png)")
    print(f"  TensorBoard:  tensorboard --logdir {os.path.join(log_dir, 'data')}")
    print(f"  parameters:   {os.path.join(log_dir, 'params.json')}")


if __name__ == "__main__":
    main()
