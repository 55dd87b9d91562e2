"""WGAN-GP (Gulrajani et al. 2017) on CIFAR-10 with its published hyperparameters: batch 64, optimizer:
Adam, lr 0.0002, betas (0.0, 0.9), n_dis 5, linear learning-rate decay to 0, 100K generator steps;
Wasserstein loss with gradient penalty 10. Pass --evaluate to compute FID (10K real / 10K fake
images) at the last step.

Example: python examples/wgan_gp_example.py --dataset_dir ./datasets --log_dir ./log/wgan_gp
"""
import example_cli

from torch_mimicry.nets import wgan_gp

HPARAMS = {"batch_size": 64, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.0, 0.9), "n_dis": 5,
           "lr_decay": "linear", "num_steps": 100000}


def main(argv=None):
    args = example_cli.parse_args(__doc__, "wgan_gp", HPARAMS, argv)
    netG = wgan_gp.WGANGPGenerator32(ngf=args.ngf)
    netD = wgan_gp.WGANGPDiscriminator32(ndf=args.ndf)
    return example_cli.train(args, HPARAMS, netG, netD)


if __name__ == "__main__":
    main()
