"""InfoMax-GAN (Lee et al. 2021) on CIFAR-10 with its published hyperparameters: batch 64, optimizer:
Adam, lr 0.0002, betas (0.0, 0.9), n_dis 5, linear learning-rate decay to 0, 100K generator steps;
hinge loss, InfoMax loss scale 0.2, RKHS dimension 1024. Pass --evaluate to compute FID (10K real /
10K fake images) at the last step.

Example: python examples/infomax_gan_example.py --dataset_dir ./datasets --log_dir ./log/infomax_gan
"""
import example_cli

from torch_mimicry.nets import infomax_gan

HPARAMS = {"batch_size": 64, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.0, 0.9), "n_dis": 5,
           "lr_decay": "linear", "num_steps": 100000}


def add_nrkhs(parser):
    parser.add_argument("--nrkhs", type=int, default=1024, help="InfoMax projection dimension")


def main(argv=None):
    args = example_cli.parse_args(__doc__, "infomax_gan", HPARAMS, argv, add_arguments=add_nrkhs)
    netG = infomax_gan.InfoMaxGANGenerator32(ngf=args.ngf)
    netD = infomax_gan.InfoMaxGANDiscriminator32(ndf=args.ndf, nrkhs=args.nrkhs)
    return example_cli.train(args, HPARAMS, netG, netD)


if __name__ == "__main__":
    main()
