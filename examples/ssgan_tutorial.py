"""Tutorial: building SSGAN (Chen et al. 2019) from the library's base classes.

The discriminator of SSGAN has two heads: the usual real/fake logit and a 4-way classifier of
the rotation (0, 90, 180 or 270 degrees) applied to its input. It learns the rotation task on
real images; the generator is rewarded when the rotations of its images are recognised.

    L_D = L_GAN(D) + beta  * CE(rotation head(rot(x_real)), k)      beta  = 1.0
    L_G = L_GAN(G) + alpha * CE(rotation head(rot(G(z))), k)        alpha = 0.2

The batch is split into four quarters, quarter k rotated by k quarter turns, so each image is
rotated once; every quarter is rotated with one whole-tensor ``torch.rot90``.

This file defines ``SSGANGenerator`` and ``SSGANDiscriminator`` on top of
``torch_mimicry.nets.gan.BaseGenerator`` / ``BaseDiscriminator`` by overriding ``train_step``, then
trains them on CIFAR-10 with the paper's settings (Adam 2e-4, betas (0, 0.9), n_dis 2, 100K
steps, batch 64). The packaged version is ``torch_mimicry.nets.ssgan``.

Example: python examples/ssgan_tutorial.py --dataset_dir ./datasets --log_dir ./log/ssgan_tutorial
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

import torch_mimicry as mmc
from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNLinear
from torch_mimicry.nets import gan


def rotate_quarters(images):
    """Rotates the k-th quarter of ``images`` ``[N, C, H, H]`` by k * 90 degrees counter-clockwise.

    Returns ``(rotated [N, C, H, H], labels [N] in {0, 1, 2, 3})``.
    """
    n = images.shape[0]
    labels = torch.arange(n, device=images.device) * 4 // n
    starts = [-(-k * n // 4) for k in range(5)]  # first index of each quarter: ceil(k * n / 4)
    rotated = torch.cat([torch.rot90(images[starts[k]:starts[k + 1]], k, dims=(2, 3)) for k in range(4)])
    return rotated, labels


class SSGANGenerator(gan.BaseGenerator):
    """ResNet generator for 32x32 images: noise ``[N, nz]`` -> images ``[N, 3, 32, 32]`` in [-1, 1]."""

    def __init__(self, nz=128, ngf=256, bottom_width=4, loss_type="hinge", ss_loss_scale=0.2, **kwargs):
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, **kwargs)
        self.ss_loss_scale = ss_loss_scale
        self.l1 = nn.Linear(nz, bottom_width * bottom_width * ngf)
        self.blocks = nn.Sequential(*[GBlock(ngf, ngf, upsample=True) for _ in range(3)])
        self.bn = nn.BatchNorm2d(ngf)
        self.conv = nn.Conv2d(ngf, 3, 3, 1, padding=1)
        nn.init.xavier_uniform_(self.l1.weight, 1.0)
        nn.init.xavier_uniform_(self.conv.weight, 1.0)

    def forward(self, z):
        h = self.l1(z).view(z.shape[0], self.ngf, self.bottom_width, self.bottom_width)
        h = F.relu(self.bn(self.blocks(h)))
        return torch.tanh(self.conv(h))

    def train_step(self, real_batch, netD, optG, log_data, device=None, global_step=None, **kwargs):
        """GAN loss on upright fakes plus alpha times the rotation loss on the rotated fakes."""
        self.zero_grad()
        fake = self.generate_images(num_images=real_batch[0].shape[0], device=device)
        fake_rot, labels = rotate_quarters(fake)
        output, _ = netD(fake)
        _, rot_logits = netD(fake_rot)
        output_real = None
        if self.needs_real_output():  # relativistic losses compare with real images
            with torch.no_grad():
                output_real = netD(real_batch[0])[0]
        errG = self.compute_gan_loss(output, output_real=output_real)
        errG_SS = self.ss_loss_scale * F.cross_entropy(rot_logits, labels)
        (errG + errG_SS).backward()
        optG.step()
        log_data.add_metric("errG", errG.detach(), group="loss")
        log_data.add_metric("errG_SS", errG_SS.detach(), group="loss_SS")
        return log_data


class SSGANDiscriminator(gan.BaseDiscriminator):
    """ResNet discriminator with a rotation head: images ``[N, 3, 32, 32]`` -> ``(logits [N, 1], rotation
    logits [N, 4])``."""

    def __init__(self, ndf=128, loss_type="hinge", ss_loss_scale=1.0, **kwargs):
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)
        self.ss_loss_scale = ss_loss_scale
        self.blocks = nn.Sequential(DBlockOptimized(3, ndf), DBlock(ndf, ndf, downsample=True),
                                    DBlock(ndf, ndf), DBlock(ndf, ndf))
        self.l_gan = SNLinear(ndf, 1)
        self.l_rot = SNLinear(ndf, 4)
        nn.init.xavier_uniform_(self.l_gan.weight_orig, 1.0)
        nn.init.xavier_uniform_(self.l_rot.weight_orig, 1.0)

    def forward(self, x):
        h = torch.sum(F.relu(self.blocks(x)), dim=(2, 3))  # global sum pooling: [N, ndf]
        return self.l_gan(h), self.l_rot(h)

    def train_step(self, real_batch, netG, optD, log_data, device=None, global_step=None, **kwargs):
        """GAN loss on upright real and fake images plus beta times the rotation loss on rotated reals."""
        self.zero_grad()
        real = real_batch[0]
        with torch.no_grad():  # no graph through the generator in the discriminator step
            fake = netG.generate_images(num_images=real.shape[0], device=device)
        real_rot, labels = rotate_quarters(real)
        output_real, _ = self(real)
        output_fake, _ = self(fake)
        _, rot_logits = self(real_rot)
        errD = self.compute_gan_loss(output_real=output_real, output_fake=output_fake)
        errD_SS = self.ss_loss_scale * F.cross_entropy(rot_logits, labels)
        (errD + errD_SS).backward()
        optD.step()
        D_x, D_Gz = self.compute_probs(output_real=output_real, output_fake=output_fake)
        log_data.add_metric("errD", errD.detach(), group="loss")
        log_data.add_metric("errD_SS", errD_SS.detach(), group="loss_SS")
        log_data.add_metric("D(x)", D_x, group="prob")
        log_data.add_metric("D(G(z))", D_Gz, group="prob")
        return log_data


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Train the tutorial's SSGAN on CIFAR-10.")
    parser.add_argument("--dataset_dir", default="./datasets")
    parser.add_argument("--dataset", default="cifar10", help="a name accepted by mmc.datasets.load_dataset")
    parser.add_argument("--log_dir", default="./log/ssgan_tutorial")
    parser.add_argument("--num_steps", type=int, default=100000)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--n_dis", type=int, default=2)
    parser.add_argument("--ngf", type=int, default=256)
    parser.add_argument("--ndf", type=int, default=128)
    parser.add_argument("--num_workers", type=int, default=4)
    parser.add_argument("--device", default=None)
    parser.add_argument("--evaluate", action="store_true", help="compute FID at the last step after training")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    device = torch.device(args.device or ("cuda:0" if torch.cuda.is_available() else "cpu"))
    dataset = mmc.datasets.load_dataset(root=args.dataset_dir, name=args.dataset)
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True,
                                             num_workers=args.num_workers, drop_last=len(dataset) >= args.batch_size)
    netG = SSGANGenerator(ngf=args.ngf).to(device)
    netD = SSGANDiscriminator(ndf=args.ndf).to(device)
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, n_dis=args.n_dis,
                                   num_steps=args.num_steps, dataloader=dataloader, log_dir=args.log_dir,
                                   device=device)
    trainer.train()
    if args.evaluate:
        mmc.metrics.evaluate(metric="fid", log_dir=args.log_dir, netG=netG, dataset=args.dataset,
                             dataset_root=args.dataset_dir, num_real_samples=10000, num_fake_samples=10000,
                             evaluate_step=args.num_steps, device=device)
    return netG, netD


if __name__ == "__main__":
    main()
