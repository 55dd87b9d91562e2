"""Quick start: train an SNGAN, resume it, and score it with FID, all on the embedded
``synthetic`` dataset (no dataset download).

    python examples/quickstart.py                  # 1000 steps at reduced widths
    python examples/quickstart.py --num_steps 2    # a smoke run

FID needs the 2015 Inception weights: they are downloaded on first use, or given offline
through ``MIMICRY_INCEPTION_WEIGHTS=/path/to/inception-2015-12-05.tgz``.
"""
import argparse

import torch

import torch_mimicry as mmc


def main(num_steps=1000, log_dir="./log/quickstart", ngf=64, ndf=64, num_samples=1000):
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

    # Data: (image in [-1, 1] of shape [3, 32, 32], label) pairs.
    dataset = mmc.datasets.load_dataset(root=None, name="synthetic")
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True, drop_last=True)

    # Networks and optimisers: SNGAN at 32x32 (paper widths: ngf=256, ndf=128).
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=ngf).to(device)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=ndf).to(device)
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))

    # Training: calling train() again on the same log_dir resumes where it stopped.
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=dataloader,
                                   num_steps=num_steps, n_dis=2, lr_decay="linear", log_dir=log_dir,
                                   device=device)
    trainer.train()

    # Scoring: FID of the last checkpoint over 3 seeds, recorded in log_dir/metrics/fid.json.
    scores = mmc.metrics.evaluate(metric="fid", netG=netG, log_dir=log_dir, evaluate_step=num_steps,
                                  num_real_samples=num_samples, num_fake_samples=num_samples,
                                  dataset="synthetic", device=device)
    return scores


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Train and score an SNGAN on the synthetic dataset.")
    parser.add_argument("--num_steps", type=int, default=1000)
    parser.add_argument("--log_dir", default="./log/quickstart")
    parser.add_argument("--num_samples", type=int, default=1000, help="real and fake images for FID")
    args = parser.parse_args()
    main(num_steps=args.num_steps, log_dir=args.log_dir, num_samples=args.num_samples)
