"""SNGAN on CIFAR-10 on several GPUs or nodes with torchrun, mixed precision and an EMA generator.

The script is an ordinary training script: the Trainer notices torchrun's environment, starts
the process group (nccl on GPUs, gloo on CPUs), puts each process on its own GPU, shards the
data, averages the gradients and lets rank 0 write the logs and checkpoints. ``--batch_size`` is
per process: 2 processes x 32 train with the baselines' global batch of 64.

One node, 4 GPUs:

    torchrun --nproc_per_node=4 examples/ddp_example.py --dataset_dir ./datasets --batch_size 16

Two nodes with 8 GPUs each (run on both; HOST is the first node's address):

    torchrun --nnodes=2 --nproc_per_node=8 --rdzv_id=sngan --rdzv_backend=c10d \\
             --rdzv_endpoint=HOST:29500 examples/ddp_example.py --batch_size 4

On CPUs (gloo), e.g. to try it on the embedded synthetic dataset:

    torchrun --nproc_per_node=2 examples/ddp_example.py --dataset synthetic --device cpu --num_steps 20

Hyperparameters: those of the SNGAN baseline (Adam 2e-4, betas (0.0, 0.9), n_dis 5, linear decay,
100K steps), plus mixed precision (``--amp True``: float16 on CUDA, bfloat16 on CPU) and an EMA
generator (decay 0.9999 from step 1000) by default; ``--eval_every 5000`` adds FID during training.
"""
import example_cli

from torch_mimicry.nets import sngan

HPARAMS = {"batch_size": 32, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.0, 0.9), "n_dis": 5,
           "lr_decay": "linear", "num_steps": 100000, "amp": "True", "ema_decay": 0.9999, "ema_start": 1000}


def main(argv=None):
    args = example_cli.parse_args(__doc__, "sngan_ddp", HPARAMS, argv)
    netG = sngan.SNGANGenerator32(ngf=args.ngf)
    netD = sngan.SNGANDiscriminator32(ndf=args.ndf)
    return example_cli.train(args, HPARAMS, netG, netD)


if __name__ == "__main__":
    main()
