"""A tiny SNGAN training run used by the trainer tests (also in child processes).

Usage: python run_training.py LOG_DIR NUM_STEPS [--sleep SECONDS] [--save-steps K] [--seed S]
"""
import argparse
import time

import torch

import torch_mimicry as mmc


class SlowDiscriminator(mmc.nets.sngan.SNGANDiscriminator32):
    """Sleeps in each step so a test can interrupt the run at a known moment."""
    sleep = 0.0

    def train_step(self, *args, **kwargs):
        time.sleep(self.sleep)
        return super().train_step(*args, **kwargs)


def build(log_dir, num_steps, save_steps=2, seed=3, n_dis=2, lr=2e-4, lr_decay="linear", sleep=0.0, plain=False,
          **kwargs):
    """``plain=True`` uses the library's own SNGANDiscriminator32 instead of SlowDiscriminator."""
    torch.manual_seed(0)
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=8) if plain else SlowDiscriminator(ndf=8)
    netD.sleep = sleep
    data = torch.utils.data.TensorDataset(torch.rand(20, 3, 32, 32) * 2 - 1, torch.zeros(20, dtype=torch.long))
    dataloader = torch.utils.data.DataLoader(data, batch_size=4, shuffle=True)
    optD = torch.optim.Adam(netD.parameters(), lr, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), lr, betas=(0.0, 0.9))
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=dataloader,
                                   num_steps=num_steps, log_dir=log_dir, n_dis=n_dis, lr_decay=lr_decay,
                                   save_steps=save_steps, vis_steps=kwargs.pop("vis_steps", 1000),
                                   log_steps=kwargs.pop("log_steps", 1000), seed=seed, **kwargs)
    return netG, netD, trainer


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("log_dir")
    parser.add_argument("num_steps", type=int)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--save-steps", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)  # results must match the parent's thread count exactly
    _, _, trainer = build(args.log_dir, args.num_steps, save_steps=args.save_steps, sleep=args.sleep)
    trainer.train()
