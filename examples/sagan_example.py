"""SAGAN (Zhang et al. 2019) on CIFAR-10 with its published hyperparameters: batch 64, optimizer: Adam,
lr 0.0004 (D) / 0.0001 (G), betas (0.0, 0.9), n_dis 1, constant learning rate, 100K generator steps;
hinge loss, two time-scale learning rates (D 4e-4, G 1e-4), class-conditional on the CIFAR-10
labels. Pass --evaluate to compute FID (10K real / 10K fake images) at the last step.

Example: python examples/sagan_example.py --dataset_dir ./datasets --log_dir ./log/sagan
"""
import example_cli

from torch_mimicry.nets import sagan

HPARAMS = {"batch_size": 64, "lr_D": 0.0004, "lr_G": 0.0001, "betas": (0.0, 0.9), "n_dis": 1,
           "lr_decay": None, "num_steps": 100000}


def main(argv=None):
    args = example_cli.parse_args(__doc__, "sagan", HPARAMS, argv, add_arguments=example_cli.add_num_classes)
    netG = sagan.SAGANGenerator32(num_classes=args.num_classes, ngf=args.ngf)
    netD = sagan.SAGANDiscriminator32(num_classes=args.num_classes, ndf=args.ndf)
    return example_cli.train(args, HPARAMS, netG, netD)


if __name__ == "__main__":
    main()
