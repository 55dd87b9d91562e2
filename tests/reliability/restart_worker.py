"""The tiny SNGAN run of the distributed-training tests, whose rank 1 dies (SIGKILL) at one step of
its first attempt; started with ``torchrun --max-restarts=1``, the restarted group resumes.

Usage: torchrun --nproc_per_node=2 --max-restarts=1 restart_worker.py LOG_DIR NUM_STEPS --out DIR
       [--kill-at STEP]

Each process writes ``DIR/rank<r>.pt`` (its networks' state dicts, global step, attempt) at the end.
"""
import argparse
import os
import signal
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "training"))
from ddp_worker import build  # noqa: E402

from torch_mimicry.training.distributed import rank_and_world_size  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("log_dir")
    parser.add_argument("num_steps", type=int)
    parser.add_argument("--out", required=True)
    parser.add_argument("--kill-at", type=int, default=None, help="global step at which rank 1 dies (first attempt)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    attempt = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))
    netG, netD, trainer = build(args.log_dir, args.num_steps, save_steps=2, vis_steps=10 ** 6, log_steps=10 ** 6)
    rank, world = rank_and_world_size()
    if args.kill_at is not None and rank == 1 and attempt == 0:
        original = netD.train_step

        def train_step(*a, global_step=None, **kwargs):
            if global_step == args.kill_at - 1:  # during step kill_at (global_step counts finished steps)
                os.kill(os.getpid(), signal.SIGKILL)
            return original(*a, global_step=global_step, **kwargs)

        netD.train_step = train_step
    trainer.train()
    os.makedirs(args.out, exist_ok=True)
    torch.save({"netG": netG.state_dict(), "netD": netD.state_dict(), "global_step": trainer.global_step,
                "attempt": attempt, "world_size": world}, os.path.join(args.out, f"rank{rank}.pt"))


if __name__ == "__main__":
    main()
