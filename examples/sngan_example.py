"""SNGAN on CIFAR-10 with the hyperparameters of Miyato et al. 2018 as used by the Mimicry baselines:
batch 64, Adam 2e-4 with betas (0, 0.9), n_dis 5, linear learning-rate decay, 100K generator steps,
then FID with 10K real and 10K fake images (pass --evaluate; needs the Inception weights).
"""
import argparse

import torch

import torch_mimicry as mmc


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset_dir", default="./datasets")
    parser.add_argument("--dataset", default="cifar10", help="a name accepted by mmc.datasets.load_dataset")
    parser.add_argument("--log_dir", default="./log/sngan_example")
    parser.add_argument("--num_steps", type=int, default=100000)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--n_dis", type=int, default=5)
    parser.add_argument("--ngf", type=int, default=256)
    parser.add_argument("--ndf", type=int, default=128)
    parser.add_argument("--num_workers", type=int, default=4)
    parser.add_argument("--device", default=None)
    parser.add_argument("--evaluate", action="store_true", help="compute FID at the last step after training")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    device = torch.device(args.device or ("cuda:0" if torch.cuda.is_available() else "cpu"))

    dataset = mmc.datasets.load_dataset(root=args.dataset_dir, name=args.dataset)
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True,
                                             num_workers=args.num_workers)
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=args.ngf).to(device)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=args.ndf).to(device)
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))

    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, n_dis=args.n_dis,
                                   num_steps=args.num_steps, lr_decay="linear", dataloader=dataloader,
                                   log_dir=args.log_dir, device=device)
    trainer.train()

    if args.evaluate:
        mmc.metrics.evaluate(metric="fid", log_dir=args.log_dir, netG=netG, dataset=args.dataset,
                             dataset_root=args.dataset_dir, num_real_samples=10000, num_fake_samples=10000,
                             evaluate_step=args.num_steps, device=device)


if __name__ == "__main__":
    main()
