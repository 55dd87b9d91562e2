"""What every GAN family's tests share: a description of each family (its package, class names,
default loss, small test widths) and helpers to build, warm up and feed its networks, and to
run the original torch-mimicry 0.1.16 checkpoint fixtures through them.

``test_families.py`` runs the checks common to all families over this table; each
``test_<family>.py`` keeps the family's own terms (gradient penalty, rotations, InfoNCE, ...).
"""
import dataclasses
import json
import os
from typing import Callable, Tuple

import torch

from torch_mimicry import nets

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "original_checkpoints")
REFERENCE = os.path.join(HERE, "..", "fixtures", "original_reference.json")
NUM_CLASSES = 5  # classes of the small conditional test networks
REFERENCE_NUM_CLASSES = 10  # the original's parameter counts were measured with 10 classes


def _narrow_d(res):
    return {"ndf": 16 if res == 32 else 64}


def _r3gan_plan(res):
    stages = {32: 4, 64: 5}[res]
    return nets.r3gan.R3GANPlan(widths=(16,) * stages, blocks=(1,) * stages, cardinality=(2,) * stages)


@dataclasses.dataclass(frozen=True)
class Family:
    """One GAN family: ``mmc.nets.<package>.<prefix>{Generator,Discriminator}<res>``."""
    package: str
    prefix: str
    default_loss: str
    resolutions: Tuple[int, ...] = (32, 48, 64, 128)
    conditional: bool = False
    g_widths: Callable[[int], dict] = lambda res: {"ngf": 16}
    d_widths: Callable[[int], dict] = _narrow_d

    @property
    def module(self):
        return getattr(nets, self.package)

    def classes(self, res):
        return (getattr(self.module, f"{self.prefix}Generator{res}"),
                getattr(self.module, f"{self.prefix}Discriminator{res}"))

    def class_names(self):
        return [cls.__name__ for res in self.resolutions for cls in self.classes(res)]

    def _labels_kwargs(self, num_classes=NUM_CLASSES):
        return {"num_classes": num_classes} if self.conditional else {}

    def small(self, res, **kwargs):
        """Tiny-width (generator, discriminator) at resolution ``res``, ``nz=8``."""
        G_cls, D_cls = self.classes(res)
        netG = G_cls(nz=8, **self.g_widths(res), **self._labels_kwargs(), **kwargs)
        netD = D_cls(**self.d_widths(res), **self._labels_kwargs(), **kwargs)
        return netG, netD

    def default(self, name):
        """The class ``name`` at its default widths (on the meta device: no memory, no init)."""
        with torch.device("meta"):
            return getattr(self.module, name)(**self._labels_kwargs(REFERENCE_NUM_CLASSES))

    def real_batch(self, res, n=4):
        """(images [n, 3, res, res] in [-1, 1], labels [n])."""
        return torch.rand(n, 3, res, res) * 2 - 1, torch.arange(n) % NUM_CLASSES

    def generate(self, netG, n, labels):
        if self.conditional:
            return netG.generate_images_with_labels(n, c=labels)[0]
        return netG.generate_images(n)

    def discriminate(self, netD, images, labels):
        return netD(images, labels) if self.conditional else netD(images)

    def warm_up(self, netD, res):
        """A few training-mode passes (spectral-norm estimates settle from their random start), then eval mode."""
        netD.train()
        with torch.no_grad():
            for _ in range(5):
                images, labels = self.real_batch(res)
                self.discriminate(netD, images, labels)
        return netD.eval()

    def fixture_names(self):
        """Class names with a checkpoint fixture written by torch-mimicry 0.1.16."""
        return [n for n in self.class_names() if os.path.isfile(os.path.join(FIXTURES, f"{n}.pth"))]

    def run_fixture(self, name):
        """Loads fixture ``name`` into a fresh network; returns (net in eval mode, io record, outputs tuple)."""
        io = torch.load(os.path.join(FIXTURES, f"{name}_io.pt"), weights_only=True)
        net = getattr(self.module, name)(**io["kwargs"])
        assert net.restore_checkpoint(os.path.join(FIXTURES, f"{name}.pth")) == 3
        net.eval()
        inputs = io["inputs"]
        args = [inputs["z"]] if "z" in inputs else [inputs["x"].float()]
        if "y" in inputs:
            args.append(inputs["y"])
        with torch.no_grad():
            out = net(*args)
        return net, io, out if isinstance(out, tuple) else (out,)


FAMILIES = {f.package: f for f in (
    Family("sngan", "SNGAN", "hinge"),
    Family("dcgan", "DCGAN", "ns"),
    Family("wgan_gp", "WGANGP", "wasserstein"),
    Family("cgan_pd", "CGANPD", "hinge", conditional=True),
    Family("ssgan", "SSGAN", "hinge"),
    Family("infomax_gan", "InfoMaxGAN", "hinge", d_widths=lambda res: dict(_narrow_d(res), nrkhs=32)),
    Family("sagan", "SAGAN", "hinge", conditional=True, g_widths=lambda res: {"ngf": 16 if res == 32 else 64}),
    Family("sndcgan", "SNDCGAN", "ns", resolutions=(32, 48), d_widths=lambda res: {"ndf": 32}),
    # ngf / ndf are BigGAN's channel multiplier ch (widths ch x 1..16); attention needs >= 8 channels
    Family("biggan", "BigGAN", "hinge", resolutions=(32, 64, 128), conditional=True,
           g_widths=lambda res: {"ngf": 4}, d_widths=lambda res: {"ndf": 8}),
    # a plan of the preset's shape with one block per stage, 16 channels (2 groups of 16 hidden channels)
    Family("r3gan", "R3GAN", "rpgan", resolutions=(32, 64), g_widths=lambda res: {"plan": _r3gan_plan(res)},
           d_widths=lambda res: {"plan": _r3gan_plan(res), "gamma": 0.05}),
)}


def original_parameter_counts():
    """{class name: parameter count at default widths}, measured with torch-mimicry 0.1.16."""
    with open(REFERENCE) as f:
        return {name: record["num_params"] for name, record in json.load(f)["models"].items()}
