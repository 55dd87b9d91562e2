"""cGAN-PD (Miyato & Koyama 2018) on CIFAR-10 with its published hyperparameters: batch 64, optimizer:
Adam, lr 0.0002, betas (0.0, 0.9), n_dis 5, linear learning-rate decay to 0, 100K generator steps;
hinge loss, class-conditional on the CIFAR-10 labels. Pass --evaluate to compute FID (10K real / 10K
fake images) at the last step.

Example: python examples/cgan_pd_example.py --dataset_dir ./datasets --log_dir ./log/cgan_pd
"""
import example_cli

from torch_mimicry.nets import cgan_pd

HPARAMS = {"batch_size": 64, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.0, 0.9), "n_dis": 5,
           "lr_decay": "linear", "num_steps": 100000}


def main(argv=None):
    args = example_cli.parse_args(__doc__, "cgan_pd", HPARAMS, argv, add_arguments=example_cli.add_num_classes)
    netG = cgan_pd.CGANPDGenerator32(num_classes=args.num_classes, ngf=args.ngf)
    netD = cgan_pd.CGANPDDiscriminator32(num_classes=args.num_classes, ndf=args.ndf)
    return example_cli.train(args, HPARAMS, netG, netD)


if __name__ == "__main__":
    main()
