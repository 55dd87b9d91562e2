"""Cost of the Trainer's contract checks (torch_mimicry/training/checks.py) at the published widths.

Prints the time of the construction checks and of the first-batch check (once per train()),
next to the time of one training iteration (n_dis=1), for SNGAN 32x32 (ngf=256, ndf=128, batch 64)
on the CPU. Usage: python benchmarks/bench_checks.py [--repeats 5]
"""
import argparse
import time

import torch

import torch_mimicry as mmc
from torch_mimicry.training import checks


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(0)
    netG, netD = mmc.nets.sngan.SNGANGenerator32(), mmc.nets.sngan.SNGANDiscriminator32()
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    batch = (torch.rand(64, 3, 32, 32) * 2 - 1, torch.zeros(64, dtype=torch.long))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*batch), batch_size=64)
    construction = best_of(lambda: checks.check_trainer_inputs(netD, netG, optD, optG, loader), args.repeats)
    first_batch = best_of(lambda: checks.check_first_batch(batch, netD, netG, "cpu"), args.repeats)
    log = mmc.training.MetricLog()

    def iteration():
        netD.train_step(batch, netG=netG, optD=optD, log_data=log, device="cpu")
        netG.train_step(batch, netD=netD, optG=optG, log_data=log, device="cpu")

    iteration()  # warm-up
    step = best_of(iteration, args.repeats)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"construction checks: {construction * 1e3:.2f} ms (once)")
    print(f"first-batch check:   {first_batch * 1e3:.2f} ms (once per train())")
    print(f"one training iteration (D + G step): {step * 1e3:.1f} ms")
    print(f"first-batch check / iteration: {first_batch / step:.3f}")


if __name__ == "__main__":
    main()
