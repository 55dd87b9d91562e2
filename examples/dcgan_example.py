"""ResNet DCGAN (Radford et al. 2016, with the ResNet backbone of the Mimicry baselines) on CIFAR-10
with its published hyperparameters: batch 64, optimizer: Adam, lr 0.0002, betas (0.5, 0.999), n_dis
1, linear learning-rate decay to 0, 100K generator steps; non-saturating loss. Pass --evaluate to
compute FID (10K real / 10K fake images) at the last step.

Example: python examples/dcgan_example.py --dataset_dir ./datasets --log_dir ./log/dcgan
"""
import example_cli

from torch_mimicry.nets import dcgan

HPARAMS = {"batch_size": 64, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.5, 0.999), "n_dis": 1,
           "lr_decay": "linear", "num_steps": 100000}


def main(argv=None):
    args = example_cli.parse_args(__doc__, "dcgan", HPARAMS, argv)
    netG = dcgan.DCGANGenerator32(ngf=args.ngf)
    netD = dcgan.DCGANDiscriminator32(ndf=args.ndf)
    return example_cli.train(args, HPARAMS, netG, netD)


if __name__ == "__main__":
    main()
