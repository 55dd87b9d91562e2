"""SNDCGAN (Miyato et al. 2018, standard CNN) on CIFAR-10 with its published hyperparameters: batch 64,
optimizer: Adam, lr 0.0002, betas (0.5, 0.999), n_dis 1, constant learning rate, 100K generator
steps; non-saturating loss. Pass --evaluate to compute FID (10K real / 10K fake images) at the last
step.

Example: python examples/sndcgan_example.py --dataset_dir ./datasets --log_dir ./log/sndcgan
"""
import example_cli

from torch_mimicry.nets import sndcgan

HPARAMS = {"batch_size": 64, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.5, 0.999), "n_dis": 1,
           "lr_decay": None, "num_steps": 100000}


def main(argv=None):
    args = example_cli.parse_args(__doc__, "sndcgan", HPARAMS, argv, ngf=512, ndf=512)
    netG = sndcgan.SNDCGANGenerator32(ngf=args.ngf)
    netD = sndcgan.SNDCGANDiscriminator32(ndf=args.ndf)
    return example_cli.train(args, HPARAMS, netG, netD)


if __name__ == "__main__":
    main()
