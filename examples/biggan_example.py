"""BigGAN (Brock et al. 2019) on CIFAR-10 with the settings of BigGAN-PyTorch's CIFAR-10 script
(scripts/launch_cifar_ema.sh): batch 50, optimizer: Adam, lr 0.0002 (D and G), betas (0.0, 0.999),
eps 1e-8, n_dis 4, constant learning rate, 500 epochs (125K generator steps: each consumes
4 x 50 images), an EMA of the generator (decay 0.9999 from step 1000); hinge loss,
class-conditional on the CIFAR-10 labels, channel multiplier ch = 64 (256 channels at 32 px).

The networks are the library's BigGAN-32 (shared class embedding, hierarchical latent,
self-attention at 16x16, orthogonal initialisation); --script_networks builds those of the
script instead (a class embedding per batch norm, no hierarchical latent, no attention,
N(0, 0.02) initialisation: 4,304,387 / 4,207,361 parameters, as the script's). --augment and
--lecam switch on DiffAugment, ADA, PA-GAN or LeCam (e.g. --augment diffaugment --lecam 0.3, the
LeCam authors' CIFAR-10 BigGAN setting with policy translation,cutout). Pass --evaluate to compute
FID (10K real / 10K fake images) at the last step (needs the Inception weights).

Example: python examples/biggan_example.py --dataset_dir ./datasets --log_dir ./log/biggan
"""
import example_cli

from torch_mimicry.nets import biggan

HPARAMS = {"batch_size": 50, "lr_D": 0.0002, "lr_G": 0.0002, "betas": (0.0, 0.999), "eps": 1e-8, "n_dis": 4,
           "lr_decay": None, "num_steps": 125000, "ema_decay": 0.9999, "ema_start": 1000}


def _arguments(parser):
    example_cli.add_num_classes(parser)
    parser.add_argument("--script_networks", action="store_true",
                        help="the networks of BigGAN-PyTorch's CIFAR-10 script instead of the library's defaults")


def main(argv=None):
    args = example_cli.parse_args(__doc__, "biggan", HPARAMS, argv, ngf=64, ndf=64, add_arguments=_arguments)
    script = ({"shared_dim": 0, "hierarchical": False, "attention_resolution": 0, "init": "N02"}
              if args.script_networks else {})
    netG = biggan.BigGANGenerator32(num_classes=args.num_classes, ngf=args.ngf, **script)
    netD = biggan.BigGANDiscriminator32(num_classes=args.num_classes, ndf=args.ndf,
                                        **{k: v for k, v in script.items() if k in ("attention_resolution", "init")})
    return example_cli.train(args, HPARAMS, netG, netD)


if __name__ == "__main__":
    main()
