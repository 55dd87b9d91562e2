"""The tutorial's code is the API contract: it runs against the library with only the dataset
path and the step count changed (the dataset is a stand-in CIFAR-10 folder in the real format)."""
import os
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

import torch_mimicry as mmc
from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNLinear
from torch_mimicry.nets import gan

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "datasets"))
from test_load_dataset import make_cifar10  # noqa: E402


class SSGANDiscriminator(gan.BaseDiscriminator):
    def __init__(self, ndf=128, loss_type='hinge', **kwargs):
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)
        self.num_classes = 4
        self.ss_loss_scale = 1.0

        # Build layers
        self.block1 = DBlockOptimized(3, self.ndf)
        self.block2 = DBlock(self.ndf, self.ndf, downsample=True)
        self.block3 = DBlock(self.ndf, self.ndf, downsample=False)
        self.block4 = DBlock(self.ndf, self.ndf, downsample=False)
        self.l5 = SNLinear(self.ndf, 1)
        self.activation = nn.ReLU(True)

        nn.init.xavier_uniform_(self.l5.weight.data, 1.0)

        # Rotation class prediction layer
        self.l_y = SNLinear(self.ndf, self.num_classes)
        nn.init.xavier_uniform_(self.l_y.weight.data, 1.0)

    def forward(self, x):
        h = x
        h = self.block1(h)
        h = self.block2(h)
        h = self.block3(h)
        h = self.block4(h)
        h = self.activation(h)

        # Global sum pooling
        h = torch.sum(h, dim=(2, 3))
        output = self.l5(h)

        # Produce the class output logits
        output_classes = self.l_y(h)

        return output, output_classes

    def _rot_tensor(self, image, deg):
        if deg == 90:
            return image.transpose(1, 2).flip(1)
        elif deg == 180:
            return image.flip(1).flip(2)
        elif deg == 270:
            return image.transpose(1, 2).flip(2)
        elif deg == 0:
            return image
        else:
            raise NotImplementedError("Function only supports 90,180,270,0 degree rotation.")

    def rotate_batch(self, images):
        N, C, H, W = images.shape
        choices = [(i, i * 4 // N) for i in range(N)]

        ret = []
        ret_labels = []
        degrees = [0, 90, 180, 270]
        for i in range(N):
            idx, rot_label = choices[i]
            image = self._rot_tensor(images[idx], deg=degrees[rot_label])
            image = torch.unsqueeze(image, 0)
            label = torch.from_numpy(np.array(rot_label))
            label = torch.unsqueeze(label, 0)
            ret.append(image)
            ret_labels.append(label)

        ret = torch.cat(ret, dim=0)
        ret_labels = torch.cat(ret_labels, dim=0).to(ret.device)
        return ret, ret_labels

    def compute_ss_loss(self, images, scale):
        images_rot, class_labels = self.rotate_batch(images=images)
        _, output_classes = self.forward(images_rot)
        err_SS = F.cross_entropy(input=output_classes, target=class_labels)
        err_SS = scale * err_SS
        return err_SS

    def train_step(self, real_batch, netG, optD, log_data, device=None, global_step=None, **kwargs):
        self.zero_grad()

        # Produce real images
        real_images, _ = real_batch
        batch_size = real_images.shape[0]  # Match batch sizes for last iter

        # Produce fake images
        fake_images = netG.generate_images(num_images=batch_size, device=device).detach()

        # Compute real and fake logits for gan loss
        output_real, _ = self.forward(real_images)
        output_fake, _ = self.forward(fake_images)

        # Compute GAN loss, upright images only.
        errD = self.compute_gan_loss(output_real=output_real, output_fake=output_fake)

        # Compute SS loss, rotates the images. -- only for real images!
        errD_SS = self.compute_ss_loss(images=real_images, scale=self.ss_loss_scale)

        # Backprop and update gradients
        errD_total = errD + errD_SS
        errD_total.backward()
        optD.step()

        # Compute probabilities
        D_x, D_Gz = self.compute_probs(output_real=output_real, output_fake=output_fake)

        # Log statistics for D once out of loop
        log_data.add_metric('errD', errD, group='loss')
        log_data.add_metric('errD_SS', errD_SS, group='loss_SS')
        log_data.add_metric('D(x)', D_x, group='prob')
        log_data.add_metric('D(G(z))', D_Gz, group='prob')

        return log_data


class SSGANGenerator(gan.BaseGenerator):
    def __init__(self, nz=128, ngf=256, bottom_width=4, loss_type='hinge', **kwargs):
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, **kwargs)
        self.ss_loss_scale = 0.2

        # Build the layers
        self.l1 = nn.Linear(self.nz, (self.bottom_width**2) * self.ngf)
        self.block2 = GBlock(self.ngf, self.ngf, upsample=True)
        self.block3 = GBlock(self.ngf, self.ngf, upsample=True)
        self.block4 = GBlock(self.ngf, self.ngf, upsample=True)
        self.b5 = nn.BatchNorm2d(self.ngf)
        self.c5 = nn.Conv2d(ngf, 3, 3, 1, padding=1)
        self.activation = nn.ReLU(True)

        # Initialise the weights
        nn.init.xavier_uniform_(self.l1.weight.data, 1.0)
        nn.init.xavier_uniform_(self.c5.weight.data, 1.0)

    def forward(self, x):
        h = self.l1(x)
        h = h.view(x.shape[0], -1, self.bottom_width, self.bottom_width)
        h = self.block2(h)
        h = self.block3(h)
        h = self.block4(h)
        h = self.b5(h)
        h = self.activation(h)
        h = torch.tanh(self.c5(h))
        return h

    def train_step(self, real_batch, netD, optG, log_data, device=None, global_step=None, **kwargs):
        self.zero_grad()

        # Get only batch size from real batch
        batch_size = real_batch[0].shape[0]

        # Produce fake images and logits
        fake_images = self.generate_images(num_images=batch_size, device=device)
        output, _ = netD(fake_images)

        # Compute GAN loss, upright images only.
        errG = self.compute_gan_loss(output)

        # Compute SS loss, rotates the images. -- fake images only!
        errG_SS = netD.compute_ss_loss(images=fake_images, scale=self.ss_loss_scale)

        # Backprop and update gradients
        errG_total = errG + errG_SS
        errG_total.backward()
        optG.step()

        # Log statistics
        log_data.add_metric('errG', errG, group='loss')
        log_data.add_metric('errG_SS', errG_SS, group='loss_SS')

        return log_data


def test_tutorial_training_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    make_cifar10(tmp_path / "datasets", n=8)   # stand-in for the real download, same format

    # Directories
    dataset_dir = './datasets'
    log_dir = './log/ssgan'

    # Data handling objects
    with pytest.warns(UserWarning, match="MD5"):  # stand-in files are not the official release
        dataset = mmc.datasets.load_dataset(root=dataset_dir, name='cifar10')
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True, num_workers=4)

    # Define models and optimizers
    device = torch.device('cuda:0' if torch.cuda.is_available() else "cpu")
    netG = SSGANGenerator().to(device)
    netD = SSGANDiscriminator().to(device)
    optD = optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))

    # Start training
    trainer = mmc.training.Trainer(
        netD=netD,
        netG=netG,
        optD=optD,
        optG=optG,
        n_dis=2,
        num_steps=2,
        dataloader=dataloader,
        log_dir=log_dir)

    trainer.train()

    out = capsys.readouterr().out
    assert "[Global Step: 2/2]" in out
    for metric in ("errD", "errD_SS", "errG", "errG_SS", "D(x)", "D(G(z))", "lr_D", "lr_G"):
        assert f"| {metric}: " in out
    assert "Training Ended" in out
    assert os.path.isfile(os.path.join(log_dir, "checkpoints", "netG", "netG_2_steps.pth"))
    assert os.path.isfile(os.path.join(log_dir, "params.json"))
    restored = SSGANGenerator()
    assert restored.restore_checkpoint(os.path.join(log_dir, "checkpoints", "netG", "netG_2_steps.pth")) == 2


def test_tutorial_fid_evaluation_runs_as_written(tmp_path, monkeypatch, capsys):
    """The tutorial's ``mmc.metrics.evaluate(metric='fid', ...)`` call, with the sample counts and
    the step changed (as the step count above) and Inception weights provided offline through
    MIMICRY_INCEPTION_WEIGHTS (a stand-in file with random weights, in the pytorch-fid layout):
    the dataset named 'cifar10' is found under ./datasets as in the tutorial."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "metrics"))
    from inception_fixtures import write_fixture_files

    monkeypatch.chdir(tmp_path)
    make_cifar10(tmp_path / "datasets", n=8)
    weights = write_fixture_files(str(tmp_path / "weights"))["pth"]
    monkeypatch.setenv("MIMICRY_INCEPTION_WEIGHTS", weights)
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    log_dir = './log/ssgan'
    device = torch.device('cuda:0' if torch.cuda.is_available() else "cpu")
    netG = SSGANGenerator(ngf=16).to(device)
    netG.save_checkpoint(os.path.join(log_dir, "checkpoints", "netG"), global_step=2, name="netG_2_steps.pth")

    with pytest.warns(UserWarning):  # MD5 of the stand-in files; FID below 2048 samples
        scores = mmc.metrics.evaluate(
            metric='fid',
            log_dir=log_dir,
            netG=netG,
            dataset='cifar10',
            num_real_samples=8,
            num_fake_samples=8,
            evaluate_step=2,
            device=device)

    assert list(scores) == [2] and len(scores[2]) == 3  # three runs by default
    assert all(np.isfinite(s) and s > 0 for s in scores[2])
    out = capsys.readouterr().out
    assert "over seeds [0, 1, 2]" in out and "8 real / 8 fake samples" in out
    assert os.path.isfile(os.path.join(log_dir, "metrics", "fid.json"))
