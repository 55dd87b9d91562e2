"""A tiny SNGAN run for the distributed-training tests, started with torchrun (or alone).

Usage: torchrun --nproc_per_node=2 ddp_worker.py LOG_DIR NUM_STEPS --out DIR [options]

Each process writes ``DIR/rank<r>.pt`` (its networks' state dicts, global step and the files it
wrote) when training ends.
"""
import argparse
import os

import torch

import torch_mimicry as mmc
from torch_mimicry.training.distributed import rank_and_world_size


class TableNoiseGenerator(mmc.nets.sngan.SNGANGenerator32):
    """Draws each call's noise as rows of one table of ``global_batch`` rows, a table per call:
    a rank gets its own contiguous rows, so N ranks together draw what one process draws."""

    def __init__(self, global_batch, **kwargs):
        super().__init__(**kwargs)
        self.global_batch = global_batch
        self.calls = 0

    def sample_noise(self, num_images, device=None):
        table = torch.randn(self.global_batch, self.nz, generator=torch.Generator().manual_seed(1000 + self.calls))
        self.calls += 1
        rank, world = rank_and_world_size()
        per = self.global_batch // world
        return table[rank * per:rank * per + num_images].to(device if device is not None else self.device)


def build(log_dir, num_steps, batch=4, shuffle=True, optimizer="adam", table_noise=None, save_steps=2, seed=3,
          n_dis=2, **kwargs):
    torch.manual_seed(0)
    if table_noise:  # image grids (drawn on rank 0 only) would consume a table
        kwargs.setdefault("vis_steps", 10 ** 6)
        netG = TableNoiseGenerator(table_noise, ngf=8)
    else:
        netG = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    data = torch.utils.data.TensorDataset(torch.rand(16, 3, 32, 32, generator=torch.Generator().manual_seed(5)) * 2 - 1,
                                          torch.zeros(16, dtype=torch.long))
    dataloader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=shuffle)
    if optimizer == "sgd":
        optD, optG = torch.optim.SGD(netD.parameters(), 0.01), torch.optim.SGD(netG.parameters(), 0.01)
    else:
        optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
        optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=dataloader,
                                   num_steps=num_steps, log_dir=log_dir, n_dis=n_dis, save_steps=save_steps,
                                   vis_steps=kwargs.pop("vis_steps", 2), log_steps=kwargs.pop("log_steps", 1),
                                   seed=seed, **kwargs)
    return netG, netD, trainer


def _record_writes():
    """Patches the library's file writers (checkpoints, JSON, TensorBoard, PNG) to list what is written."""
    import torchvision.utils

    import torch_mimicry.utils.io as io
    writes = []
    atomic_write, save_image = io._atomic_write, torchvision.utils.save_image
    from torch.utils.tensorboard import SummaryWriter
    writer_init = SummaryWriter.__init__

    def recording_write(path, *args, **kwargs):
        writes.append(os.path.basename(path))
        return atomic_write(path, *args, **kwargs)

    def recording_save_image(tensor, fp, *args, **kwargs):
        writes.append(os.path.basename(fp))
        return save_image(tensor, fp, *args, **kwargs)

    def recording_writer_init(self, *args, **kwargs):
        writes.append("SummaryWriter")
        return writer_init(self, *args, **kwargs)

    io._atomic_write = recording_write
    torchvision.utils.save_image = recording_save_image
    SummaryWriter.__init__ = recording_writer_init
    return writes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("log_dir")
    parser.add_argument("num_steps", type=int)
    parser.add_argument("--out", required=True)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--no-shuffle", action="store_true")
    parser.add_argument("--optimizer", default="adam")
    parser.add_argument("--table-noise", type=int, default=None)
    parser.add_argument("--sync-bn", action="store_true")
    parser.add_argument("--save-steps", type=int, default=2)
    parser.add_argument("--ema", type=float, default=None)
    parser.add_argument("--amp", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    writes = _record_writes()
    extra = {"amp": args.amp} if args.amp else {}
    netG, netD, trainer = build(args.log_dir, args.num_steps, batch=args.batch, shuffle=not args.no_shuffle,
                                optimizer=args.optimizer, table_noise=args.table_noise, sync_bn=args.sync_bn,
                                save_steps=args.save_steps, ema_decay=args.ema, **extra)
    trainer.train()
    rank, world = rank_and_world_size()
    os.makedirs(args.out, exist_ok=True)
    torch.save({"netG": netG.state_dict(), "netD": netD.state_dict(), "global_step": trainer.global_step,
                "writes": writes, "world_size": world,
                "netG_ema": trainer.netG_ema.state_dict() if trainer.netG_ema is not None else None},
               os.path.join(args.out, f"rank{rank}.pt"))


if __name__ == "__main__":
    main()
