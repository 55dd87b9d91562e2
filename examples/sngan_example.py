"""SNGAN (Miyato et al. 2018) on CIFAR-10 with the hyperparameters of the Mimicry baselines: batch 64,
optimizer: Adam, lr 0.0002, betas (0.0, 0.9), n_dis 5, linear learning-rate decay to 0, 100K
generator steps; hinge loss. Pass --evaluate to compute FID (10K real / 10K fake images) at the last
step (needs the Inception weights).

Example: python examples/sngan_example.py --dataset_dir ./datasets --log_dir ./log/sngan
"""
import example_cli

from torch_mimicry.nets import sngan

HPARAMS = {"batch_size": 64, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.0, 0.9), "n_dis": 5,
           "lr_decay": "linear", "num_steps": 100000}


def main(argv=None):
    args = example_cli.parse_args(__doc__, "sngan", HPARAMS, argv)
    netG = sngan.SNGANGenerator32(ngf=args.ngf)
    netD = sngan.SNGANDiscriminator32(ndf=args.ndf)
    return example_cli.train(args, HPARAMS, netG, netD)


if __name__ == "__main__":
    main()
