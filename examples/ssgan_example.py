"""SSGAN (Chen et al. 2019) on CIFAR-10 with its published hyperparameters: batch 64, optimizer: Adam,
lr 0.0002, betas (0.0, 0.9), n_dis 2, linear learning-rate decay to 0, 100K generator steps; hinge
loss, rotation loss scales 0.2 (G) and 1.0 (D). Pass --evaluate to compute FID (10K real / 10K fake
images) at the last step.

Example: python examples/ssgan_example.py --dataset_dir ./datasets --log_dir ./log/ssgan
"""
import example_cli

from torch_mimicry.nets import ssgan

HPARAMS = {"batch_size": 64, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.0, 0.9), "n_dis": 2,
           "lr_decay": "linear", "num_steps": 100000}


def main(argv=None):
    args = example_cli.parse_args(__doc__, "ssgan", HPARAMS, argv)
    netG = ssgan.SSGANGenerator32(ngf=args.ngf)
    netD = ssgan.SSGANDiscriminator32(ndf=args.ndf)
    return example_cli.train(args, HPARAMS, netG, netD)


if __name__ == "__main__":
    main()
