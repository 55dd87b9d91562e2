"""Bad inputs to the Trainer: each gets the library's clear answer before the first training step,
and the files of an earlier run in the same log_dir stay intact."""
import itertools
import os
import sys
import warnings

import pytest
import torch
import torch.nn as nn

import torch_mimicry as mmc
from torch_mimicry.modules import DBlock, DBlockOptimized, SNLinear
from torch_mimicry.nets import gan
from torch_mimicry.training import checks

sys.path.insert(0, os.path.dirname(__file__))
from faults import assert_intact, loader, real_images, snapshot, tiny_run  # noqa: E402


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A log_dir holding a finished 2-step run (checkpoints, params.json)."""
    log_dir = tmp_path_factory.mktemp("finished")
    trainer, _, _ = tiny_run(log_dir, num_steps=2)
    trainer.train()
    return log_dir


def _copy_run(src, dst):
    import shutil
    shutil.copytree(src, dst)
    return dst


# ---------------------------------------------------------------------------------------
# Checked when the Trainer is built


def _nets():
    torch.manual_seed(0)
    return mmc.nets.sngan.SNGANGenerator32(ngf=8), mmc.nets.sngan.SNGANDiscriminator32(ndf=8)


@pytest.mark.parametrize("case, error, match", [
    ("optD over netG", ValueError, r"optD holds \d+ parameter\(s\) of netG .*Adam\(netD.parameters\(\)"),
    ("optG over netD", ValueError, r"optG holds \d+ parameter\(s\) of netD"),
    ("one optimizer for both", ValueError, r"optD holds \d+ parameter\(s\) of netG"),
    ("optD over another model", ValueError, r"optD holds none of netD's parameters .*never learn"),
    ("netD is netG", ValueError, "same network object"),
    ("a Dataset as dataloader", TypeError, r"dataloader is a Dataset \(TensorDataset\).*DataLoader\(dataset"),
    ("not iterable", TypeError, "dataloader must be an iterable"),
])
def test_construction_checks(tmp_path, case, error, match):
    netG, netD = _nets()
    optD = torch.optim.Adam(netD.parameters())
    optG = torch.optim.Adam(netG.parameters())
    dl = loader(real_images())
    if case == "optD over netG":
        optD = torch.optim.Adam(netG.parameters())
    elif case == "optG over netD":
        optG = torch.optim.Adam(netD.parameters())
    elif case == "one optimizer for both":
        optD = optG = torch.optim.Adam(itertools.chain(netD.parameters(), netG.parameters()))
    elif case == "optD over another model":
        optD = torch.optim.Adam(nn.Linear(2, 2).parameters())
    elif case == "netD is netG":
        netD = netG
    elif case == "a Dataset as dataloader":
        dl = dl.dataset
    elif case == "not iterable":
        class Sized:
            def __len__(self):
                return 3
        dl = Sized()
    with pytest.raises(error, match=match):
        mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=dl, num_steps=2,
                             log_dir=str(tmp_path / "run"))
    assert not os.path.exists(tmp_path / "run")  # nothing was written


def test_optimizer_leaving_parameters_out_warns(tmp_path):
    netG, netD = _nets()
    params = list(netD.named_parameters())
    optD = torch.optim.Adam([p for n, p in params if not n.startswith("l5")])
    with pytest.warns(UserWarning, match=r"optD leaves 2 trainable parameter\(s\) of netD out \(.l5.*not be updated"):
        mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=torch.optim.Adam(netG.parameters()),
                             dataloader=loader(real_images()), num_steps=1, log_dir=str(tmp_path))
    netD.l5.weight_orig.requires_grad_(False)  # frozen on purpose: no warning
    netD.l5.bias.requires_grad_(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=torch.optim.Adam(netG.parameters()),
                             dataloader=loader(real_images()), num_steps=1, log_dir=str(tmp_path))


def test_conditional_networks_must_agree(tmp_path):
    netG = mmc.nets.cgan_pd.CGANPDGenerator32(num_classes=10, ngf=8)
    netD = mmc.nets.cgan_pd.CGANPDDiscriminator32(num_classes=100, ndf=8)
    args = dict(optD=torch.optim.Adam(netD.parameters()), optG=torch.optim.Adam(netG.parameters()),
                dataloader=loader(real_images()), num_steps=1, log_dir=str(tmp_path))
    with pytest.raises(ValueError, match="netG .CGANPDGenerator32. has num_classes=10 but netD .* num_classes=100"):
        mmc.training.Trainer(netD=netD, netG=netG, **args)
    plain_d = mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    with pytest.raises(ValueError, match="netG .CGANPDGenerator32. is class-conditional but netD .* takes no labels"):
        mmc.training.Trainer(netD=plain_d, netG=netG, **dict(args, optD=torch.optim.Adam(plain_d.parameters())))
    plain_g = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    with pytest.raises(ValueError, match="netD .CGANPDDiscriminator32. is class-conditional but netG"):
        mmc.training.Trainer(netD=netD, netG=plain_g, **dict(args, optG=torch.optim.Adam(plain_g.parameters())))


# ---------------------------------------------------------------------------------------
# Checked on the first real batch, before the first training step


def _bad_data(case):
    x = real_images(8)
    labels = None
    if case == "64 px images for 32 px networks":
        x = real_images(8, res=64)
    elif case == "1-channel images":
        x = real_images(8, channels=1)
    elif case == "uint8 images":
        x = ((x + 1) * 127.5).round().to(torch.uint8)
    elif case == "values in [0, 255]":
        x = (x + 1) * 127.5
    elif case == "ImageNet mean/std normalisation":
        mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
        x = ((x + 1) / 2 - mean[:, None, None]) / std[:, None, None]
    elif case == "NaN in the images":
        x[3, 1, 2, 2] = float("nan")
    elif case == "integer images":
        x = x.round().to(torch.int64)
    return loader(x, labels)


class _Batches:
    """A loader yielding fixed batches (forms a DataLoader over a TensorDataset cannot produce)."""

    batch_size = 4
    dataset = torch.utils.data.TensorDataset(torch.zeros(8))  # as recorded by the earlier run

    def __init__(self, batch):
        self.batch = batch

    def __len__(self):
        return 2

    def __iter__(self):
        return iter([self.batch, self.batch])


@pytest.mark.parametrize("case, match", [
    ("64 px images for 32 px networks",
     r"real images are 3 x 64 x 64 .* netG \(SNGANGenerator32\) generates 3 x 32 x 32 .*resize the dataset to 32x32"),
    ("1-channel images", r"real images are 1 x 32 x 32 .*generates 3 x 32 x 32.*convert grey images to RGB"),
    ("uint8 images", r"first batch \(torch.uint8.* are uint8 .*Normalize\(\(0.5, 0.5, 0.5\)"),
    ("values in [0, 255]", r"values in \[0.0\d+, 255\]; expected \[-1, 1\]. They look like pixel values in \[0, 255\]"),
    ("ImageNet mean/std normalisation", r"values in \[-2.1.*expected \[-1, 1\].*standardised by a mean"),
    ("NaN in the images", r"first batch .*NaN or infinite"),
    ("integer images", r"dtype torch.int64; expected float images in \[-1, 1\]"),
    ("dict batches", r"yields dicts \(keys \['image', 'label'\]\)"),
    ("images without labels", r"batches of 1 item\(s\); the Trainer expects \(images, labels\)"),
    ("3-D images", r"images have shape \(3, 32, 32\); the Trainer expects batches \[N, C, H, W\]"),
])
def test_first_batch_checks(tmp_path, finished_run, case, match):
    log_dir = _copy_run(finished_run, tmp_path / "run")  # resumes from step 2 of a finished run
    before = snapshot(log_dir)
    if case == "dict batches":
        dl = _Batches({"image": real_images(4), "label": torch.zeros(4, dtype=torch.long)})
    elif case == "images without labels":
        dl = _Batches([real_images(4)])
    elif case == "3-D images":
        dl = _Batches((real_images(1)[0], 0))
    else:
        dl = _bad_data(case)
    trainer, d_steps, g_steps = tiny_run(log_dir, dataloader=dl, num_steps=4)
    with pytest.raises(ValueError, match=match):
        trainer.train()
    assert d_steps.calls == 0 and g_steps.calls == 0  # before any training step
    assert_intact(before, log_dir)
    assert trainer.global_step == 2


def test_images_in_unit_range_warn_and_train(tmp_path):
    x = (real_images(8) + 1) / 2  # ToTensor() without Normalize
    trainer, d_steps, _ = tiny_run(tmp_path, dataloader=loader(x), num_steps=1)
    with pytest.warns(UserWarning,
                      match=r"lie wholly in \[[-\d.e]+, 1\], within \[0, 1\].*ToTensor\(\) without Normalize"):
        trainer.train()
    assert d_steps.calls == 1


@pytest.mark.parametrize("labels, match", [
    (torch.tensor([0, 1, 12, 3, 4, 5, 6, 7]), r"label 12, outside \[0, 10\) .*num_classes=13 or map"),
    (torch.tensor([0, -1, 2, 3, 4, 5, 6, 7]), r"label -1, outside \[0, 10\)"),
    (torch.zeros(8), r"labels of the first batch have dtype torch.float32.*labels.long\(\)"),
])
def test_conditional_labels_checked(tmp_path, labels, match):
    torch.manual_seed(0)
    netG = mmc.nets.cgan_pd.CGANPDGenerator32(num_classes=10, ngf=8)
    netD = mmc.nets.cgan_pd.CGANPDDiscriminator32(num_classes=10, ndf=8)
    trainer, d_steps, _ = tiny_run(tmp_path, dataloader=loader(real_images(8), labels), netD=netD, netG=netG)
    with pytest.raises(ValueError, match=match):
        trainer.train()
    assert d_steps.calls == 0


def test_checks_run_once_and_do_not_change_training(tmp_path, monkeypatch):
    calls = []
    original = checks.check_first_batch
    monkeypatch.setattr(checks, "check_first_batch", lambda *a, **k: (calls.append(1), original(*a, **k))[1])
    trainer, d_steps, _ = tiny_run(tmp_path / "a", num_steps=2, n_dis=2)
    trainer.train()
    assert len(calls) == 1 and d_steps.calls == 4
    checked = trainer.netG.state_dict()
    # the same run with the check turned off ends with the same weights: the check's generator
    # samples leave the RNG, the modes and the buffers as they were
    monkeypatch.setattr(checks, "check_first_batch", lambda *a, **k: None)
    trainer, _, _ = tiny_run(tmp_path / "b", num_steps=2, n_dis=2)
    trainer.train()
    for key, value in trainer.netG.state_dict().items():
        assert torch.equal(value, checked[key]), key


class CustomD(gan.BaseDiscriminator):
    """A discriminator of a user's own: global average pooling, a second head, and a
    ``num_classes`` attribute that has nothing to do with the data's labels (as the tutorial's
    SSGAN discriminator)."""

    def __init__(self, ndf=8):
        super().__init__(ndf=ndf, loss_type="hinge")
        self.num_classes = 4
        self.block1 = DBlockOptimized(3, ndf)
        self.block2 = DBlock(ndf, ndf, downsample=True)
        self.l5 = SNLinear(ndf, 1)
        self.aux = SNLinear(ndf, self.num_classes)

    def forward(self, x):
        h = torch.relu(self.block2(self.block1(x))).mean(dim=(2, 3))
        return self.l5(h)


def test_custom_discriminator_with_unrelated_num_classes_passes(tmp_path):
    netD = CustomD()
    labels = torch.arange(8) % 10  # CIFAR-like labels beyond the attribute's 4
    trainer, d_steps, _ = tiny_run(tmp_path, dataloader=loader(real_images(8), labels), netD=netD, num_steps=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert trainer.train() == 2
    assert d_steps.calls == 2


def test_failed_check_leaves_log_dir_free_for_a_corrected_run(tmp_path):
    """A run refused at its first batch wrote no checkpoint; the corrected run (another dataset)
    starts in the same log_dir instead of being refused as a changed resume."""
    trainer, _, _ = tiny_run(tmp_path, dataloader=loader((real_images(8) + 1) * 127.5), num_steps=1)
    with pytest.raises(ValueError, match="pixel values in"):
        trainer.train()
    trainer, _, _ = tiny_run(tmp_path, dataloader=loader(real_images(12)), num_steps=1)
    assert trainer.train() == 1
