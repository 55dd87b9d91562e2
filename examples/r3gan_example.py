"""R3GAN (Huang et al. 2024) on CIFAR-10 with the settings of the authors' CIFAR-10 preset
(``train.py --preset=CIFAR10 --batch=512 --cond=1 --aug=1``): the relativistic pairing loss with
R1 and R2 penalties, batch 512, Adam with beta1 0 and eps 1e-8, one discriminator step per
generator step, and cosine ramps over 20M images (the learning rate 2e-4 -> 5e-5 of both networks,
Adam's beta2 0.9 -> 0.99, gamma 0.05 -> 0.005, the EMA generator's half-life 0 -> 5M images, the
augmentation probability 0 -> 0.55), as Trainer components (``mmc.nets.r3gan.preset_schedules``).
The networks are R3GAN-32 at the preset's widths (768 x 4 stages, cardinality 96), class-conditional
on the 10 classes (``--num_classes 0``: unconditional).

The augmentation is this library's ADA with its probability scheduled instead of adapted
(``--no_augment`` to train without). 39,063 steps are the schedules' 20M images (the authors'
command has no end). ``--ema_decay`` replaces the scheduled EMA by a fixed decay. Pass
``--evaluate`` to compute FID (10K real / 10K fake images) at the last step (needs the Inception
weights).

Example: python examples/r3gan_example.py --dataset_dir ./datasets --log_dir ./log/r3gan
"""
import example_cli

import torch_mimicry as mmc
from torch_mimicry.nets import r3gan

HPARAMS = {"batch_size": 512, "lr_D": 2e-4, "lr_G": 2e-4, "betas": (0.0, 0.9), "eps": 1e-8, "n_dis": 1,
           "lr_decay": None, "num_steps": 39063}


def _arguments(parser):
    example_cli.add_num_classes(parser)
    parser.add_argument("--no_augment", action="store_true", help="no augmentation (and no schedule of its p)")


def main(argv=None):
    args = example_cli.parse_args(__doc__, "r3gan", HPARAMS, argv, ngf=768, ndf=768, add_arguments=_arguments)
    netG = r3gan.R3GANGenerator32(ngf=args.ngf, num_classes=args.num_classes)
    netD = r3gan.R3GANDiscriminator32(ndf=args.ndf, num_classes=args.num_classes)
    augmentation = None
    if args.augment is None and not args.no_augment:
        augmentation = args.augment = mmc.augment.ADA(adaptive=False)
    components = r3gan.preset_schedules("cifar10", augmentation=augmentation)
    if args.ema_decay is not None:  # a fixed EMA decay instead of the scheduled half-life
        components = [c for c in components if c.name != "ema"]
    return example_cli.train(args, HPARAMS, netG, netD, components=components)


if __name__ == "__main__":
    main()
