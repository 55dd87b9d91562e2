"""R3GAN (Huang et al. 2024, *The GAN is dead; long live the GAN! A Modern GAN Baseline*).

What makes the family:

* **The objective**: the relativistic pairing loss (``loss_type='rpgan'``: the discriminator
  minimises ``softplus(-(D(x_i) - D(G(z_i))))``, the generator the reverse) plus *both*
  zero-centred gradient penalties, R1 on real images and R2 on generated ones, each
  ``gamma / 2 * E ||grad_x D(x)||^2`` (``torch_mimicry.modules.regularizers``). ``gamma`` is the
  discriminator's attribute, so a Trainer-level schedule (``torch_mimicry.training.schedules``)
  can change it during training, as the official presets do.
* **The networks, as plans**: one generator class and one discriminator class, built from an
  :class:`R3GANPlan` (widths, residual blocks and cardinality per stage, expansion, latent size)
  held as data in :data:`PLANS`, as torchvision builds its ResNets from one class and a table.
  ``R3GANGenerator32`` & co. only pick a plan. The blocks (``torch_mimicry.nets.r3gan.layers``):
  residual blocks of 1x1 conv -> biased LeakyReLU(0.2) -> grouped 3x3 conv -> biased LeakyReLU
  -> zero-initialised 1x1 conv with an identity skip, no normalisation, variance-scaled
  initialisation (``L^(-1/4)`` for ``L`` blocks), fixed ``[1, 2, 1]`` low-pass resampling with a
  1x1 conv only where the width changes, a learned 4x4 basis in G and a 4x4 depthwise conv +
  linear head in D.
* **Class conditioning**, switched on by ``num_classes > 0``: G concatenates a class embedding
  (``nz`` wide) to ``z``; D's head outputs a vector (as wide as the 4x4 stage) whose dot product
  with a class embedding is the logit (projection). In training, generated images take the labels
  of the real batch they are paired with, as in the official code.

Training settings of the official presets (``train.py --preset=...``) are data too
(:data:`PRESETS`); :func:`preset_schedules` turns one into the Trainer components of its cosine
schedules (learning rate, Adam's beta2, gamma, EMA half-life, augmentation probability).
"""
from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from torch_mimicry.modules.regularizers import r1_penalty, r2_penalty
from torch_mimicry.nets import gan
from torch_mimicry.nets.gan.gan import Device
from torch_mimicry.nets.r3gan.layers import (DiscriminativeBasis, GenerativeBasis, LowPassResample, ResidualBlock,
                                             Stage, msr_init_)

if TYPE_CHECKING:  # the training package imports the networks
    from torch_mimicry.augment import Augmentation
    from torch_mimicry.training.components import TrainerComponent
    from torch_mimicry.training.metric_log import MetricLog

__all__ = ["R3GANPlan", "PLANS", "R3GANPreset", "PRESETS", "get_plan", "preset_schedules", "R3GANGenerator",
           "R3GANDiscriminator", "PENALTIES"]


@dataclasses.dataclass(frozen=True)
class R3GANPlan:
    """The architecture of an R3GAN generator and discriminator, stage by stage.

    Stages are listed from the 4x4 one up (the generator's order; the discriminator runs them
    in reverse), each doubling the resolution: ``resolution = 4 * 2^(len(widths) - 1)``.

    Args:
        widths (tuple of int): channels of each stage.
        blocks (tuple of int): residual blocks of each stage.
        cardinality (tuple of int): groups of each stage's 3x3 convolution.
        expansion (int): hidden width of a block relative to its stage's width.
        nz (int): latent size.
        name (str): the preset it comes from (``'custom'`` otherwise).
    """

    widths: Tuple[int, ...]
    blocks: Tuple[int, ...]
    cardinality: Tuple[int, ...]
    expansion: int = 2
    nz: int = 64
    name: str = "custom"

    def __post_init__(self) -> None:
        n = len(self.widths)
        if n < 1 or len(self.blocks) != n or len(self.cardinality) != n:
            raise ValueError(f"An R3GAN plan needs as many blocks and cardinalities as widths (one per stage); got "
                             f"widths {self.widths}, blocks {self.blocks}, cardinality {self.cardinality}.")
        for what, values, low in (("widths", self.widths, 1), ("blocks", self.blocks, 0),
                                  ("cardinality", self.cardinality, 1)):
            if any(isinstance(v, bool) or not isinstance(v, int) or v < low for v in values):
                raise ValueError(f"The plan's {what} must be ints >= {low}; got {values}.")
        if sum(self.blocks) < 1:
            raise ValueError("An R3GAN plan needs at least one residual block.")
        for w, c in zip(self.widths, self.cardinality):
            if (w * self.expansion) % c:
                raise ValueError(f"Cardinality {c} does not divide the hidden width {w * self.expansion} of a stage "
                                 f"of width {w} (expansion {self.expansion}).")

    @property
    def resolution(self) -> int:
        """Side of the images: ``4 * 2^(stages - 1)``."""
        return 4 * 2 ** (len(self.widths) - 1)

    @property
    def num_blocks(self) -> int:
        """Residual blocks in one network (the ``L`` of the variance scaling)."""
        return sum(self.blocks)

    def scaled(self, base_width: int) -> "R3GANPlan":
        """The plan with every width scaled so the 4x4 stage has ``base_width`` channels, keeping
        the channels per group of each 3x3 convolution (fewer groups; at least one).

        Raises:
            ValueError: a width that would not be a whole number of channels.
        """
        if base_width == self.widths[0]:
            return self
        if isinstance(base_width, bool) or not isinstance(base_width, int) or base_width < 1:
            raise ValueError(f"The base width must be a positive int, got {base_width!r}.")
        widths, cards = [], []
        for w, c in zip(self.widths, self.cardinality):
            if (w * base_width) % self.widths[0]:
                raise ValueError(f"Width {base_width} does not scale plan {self.name!r} (widths {self.widths}) to "
                                 f"whole channels; use a multiple of {self.widths[0] // _gcd_all(self.widths)}.")
            new = w * base_width // self.widths[0]
            group = w * self.expansion // c
            cards.append(max(1, new * self.expansion // group))
            widths.append(new)
        for w, c in zip(widths, cards):
            if (w * self.expansion) % c:
                raise ValueError(f"Width {base_width} gives plan {self.name!r} a stage of {w} channels whose hidden "
                                 f"width {w * self.expansion} the {c} groups do not divide; choose another width.")
        return dataclasses.replace(self, widths=tuple(widths), cardinality=tuple(cards))


def _gcd_all(values: Sequence[int]) -> int:
    g = 0
    for v in values:
        g = math.gcd(g, v)
    return g


def _plan(widths: Sequence[int], cardinality: Sequence[int], name: str) -> R3GANPlan:
    return R3GANPlan(widths=tuple(widths), blocks=(2,) * len(widths), cardinality=tuple(cardinality), name=name)


#: The official presets' architectures (``train.py --preset=CIFAR10`` ... of the authors' code): widths
#: ``3/4 x 1024`` (``6/4 x 1024`` for ImageNet), 2 blocks per stage, groups of 16 channels, expansion 2, z = 64.
PLANS: Dict[str, R3GANPlan] = {
    "cifar10": _plan((768,) * 4, (96,) * 4, "cifar10"),
    "imagenet32": _plan((1536,) * 4, (96,) * 4, "imagenet32"),
    "ffhq64": _plan((768,) * 4 + (384,), (96,) * 4 + (48,), "ffhq64"),
    "imagenet64": _plan((1536,) * 5, (96,) * 5, "imagenet64"),
    "ffhq256": _plan((768,) * 4 + (384, 192, 96), (96,) * 4 + (48, 24, 12), "ffhq256"),
}


def get_plan(plan: Union[str, R3GANPlan]) -> R3GANPlan:
    """``plan`` itself, or the plan of that name in :data:`PLANS`."""
    if isinstance(plan, R3GANPlan):
        return plan
    if isinstance(plan, str) and plan.lower() in PLANS:
        return PLANS[plan.lower()]
    raise ValueError(f"Unknown R3GAN plan {plan!r}: expected one of {', '.join(PLANS)} or an R3GANPlan.")


@dataclasses.dataclass(frozen=True)
class R3GANPreset:
    """The training settings of an official preset (``train.py`` of the authors' code and the
    README's command for it).

    Every schedule is a cosine ramp ``(start, end)`` over ``duration`` images, then constant.

    Args:
        batch_size (int): images per iteration (over all GPUs).
        num_classes (int): classes of the README's command (0: unconditional).
        lr, beta2, gamma, ema_half_life, augment_p (tuple of float): ``(start, end)`` of the
            learning rate, Adam's beta2 (beta1 is 0), the R1/R2 weight, the EMA half-life in
            images and the augmentation probability.
        duration (float): images over which they ramp.
    """

    batch_size: int
    num_classes: int
    lr: Tuple[float, float]
    beta2: Tuple[float, float]
    gamma: Tuple[float, float]
    ema_half_life: Tuple[float, float]
    augment_p: Tuple[float, float]
    duration: float = 2e7


_LR, _BETA2 = (2e-4, 5e-5), (0.9, 0.99)

#: The official presets' training settings (the authors' ``train.py`` and README commands).
PRESETS: Dict[str, R3GANPreset] = {
    "cifar10": R3GANPreset(512, 10, _LR, _BETA2, (0.05, 0.005), (0.0, 5e6), (0.0, 0.55)),
    "ffhq64": R3GANPreset(256, 0, _LR, _BETA2, (2.0, 0.2), (0.0, 5e5), (0.0, 0.3)),
    "ffhq256": R3GANPreset(256, 0, _LR, _BETA2, (150.0, 15.0), (0.0, 5e5), (0.0, 0.3)),
    "imagenet32": R3GANPreset(4096, 1000, _LR, _BETA2, (0.5, 0.05), (0.0, 5e7), (0.0, 0.5), 2e8),
    "imagenet64": R3GANPreset(4096, 1000, _LR, _BETA2, (1.0, 0.1), (0.0, 5e7), (0.0, 0.4), 2e8),
}


def preset_schedules(preset: str = "cifar10", augmentation: Optional["Augmentation"] = None,
                     images_per_step: Optional[int] = None) -> List["TrainerComponent"]:
    """The Trainer components of an official preset's schedules, as functions of the images seen.

    Cosine ramps over ``PRESETS[preset].duration`` images of the learning rate of both
    optimizers, Adam's beta2, ``netD.gamma``, the half-life of the EMA generator
    (:class:`~torch_mimicry.training.schedules.EMAHalfLife`, which *is* the EMA generator: train
    with ``ema_decay=None``) and, when ``augmentation`` is given (it must also be passed to
    ``Trainer(augment=...)`` and not adapt its own ``p``), its probability ``p``.

    Args:
        preset (str): a key of :data:`PRESETS`.
        augmentation (Augmentation): e.g. ``ADA(adaptive=False)``.
        images_per_step (int): images per generator step; default the global batch size seen
            at the first step.

    Returns:
        list: components for ``Trainer(components=...)``.
    """
    from torch_mimicry.training import schedules  # the training package imports the networks

    if preset not in PRESETS:
        raise ValueError(f"Unknown R3GAN preset {preset!r}: expected one of {', '.join(PRESETS)}.")
    p = PRESETS[preset]

    def cosine(values: Tuple[float, float]) -> schedules.Cosine:
        return schedules.Cosine(values[0], values[1], p.duration)

    n = images_per_step
    components: List[TrainerComponent] = [
        schedules.OptimizerSchedule("lr", cosine(p.lr), images_per_step=n),
        schedules.OptimizerSchedule("beta2", cosine(p.beta2), images_per_step=n),
        schedules.AttributeSchedule("netD", "gamma", cosine(p.gamma), images_per_step=n),
        schedules.EMAHalfLife(cosine(p.ema_half_life), images_per_step=n),
    ]
    if augmentation is not None:
        components.append(schedules.AugmentSchedule(augmentation, cosine(p.augment_p), images_per_step=n))
    return components


def _resolution_check(plan: R3GANPlan, resolution: Optional[int], what: str) -> None:
    if resolution is not None and plan.resolution != resolution:
        raise ValueError(f"{what}: plan {plan.name!r} makes {plan.resolution}x{plan.resolution} images, not "
                         f"{resolution}x{resolution}; use the {plan.resolution} px class or a plan with "
                         f"{int(math.log2(max(resolution // 4, 1))) + 1} stages.")


def _labels(net: nn.Module, real_batch: Sequence[Any]) -> Optional[torch.Tensor]:
    """The real batch's labels when ``net`` is class-conditional (fakes are paired with them), else None."""
    if not getattr(net, "num_classes", 0):
        return None
    if len(real_batch) < 2 or not isinstance(real_batch[1], torch.Tensor):
        raise ValueError(f"{type(net).__name__} is class-conditional: the real batch must be (images, labels [N]).")
    return real_batch[1]


def _call(net: nn.Module, x: torch.Tensor, labels: Optional[torch.Tensor]) -> torch.Tensor:
    return net(x) if labels is None else net(x, labels)


class R3GANGenerator(gan.BaseConditionalGenerator):
    """The R3GAN generator built from a plan; ``forward(z, y=None)`` maps noise ``[N, nz]`` (and,
    when conditional, labels ``[N]``) to images ``[N, 3, R, R]``.

    Layers: ``embed`` (class embedding, conditional only), ``stages[0]`` (``transition``: the
    :class:`~torch_mimicry.nets.r3gan.layers.GenerativeBasis`; ``blocks``), ``stages[i]``
    (``transition``: upsampling, with a 1x1 ``conv`` where the width changes; ``blocks``),
    ``to_rgb`` (1x1 conv). There is no output nonlinearity: as the official network, ``forward``
    returns values around [-1, 1] but not bounded to it (training uses them as they are);
    :meth:`generate_images` and :meth:`generate_images_with_labels` clamp to [-1, 1], as the
    official code does when it writes images.

    Args:
        plan (str or R3GANPlan): a key of :data:`PLANS` (default ``'cifar10'``) or a plan.
        nz (int): latent size (default the plan's, 64).
        ngf (int): width of the 4x4 stage; the other widths scale with it (default the plan's).
        num_classes (int): 0 (default) for the unconditional network.
        embed_dim (int): size of the class embedding (default ``nz``, the official choice).
        loss_type (str): default ``'rpgan'``.
        resolution (int): if given, the plan must make images of this size.
    """

    allows_unconditional = True

    def __init__(self, plan: Union[str, R3GANPlan] = "cifar10", nz: Optional[int] = None, ngf: Optional[int] = None,
                 num_classes: int = 0, embed_dim: Optional[int] = None, loss_type: str = "rpgan",
                 resolution: Optional[int] = None, **kwargs: Any) -> None:
        base = get_plan(plan)
        plan = base.scaled(ngf) if ngf is not None else base
        _resolution_check(plan, resolution, type(self).__name__)
        nz = plan.nz if nz is None else nz
        if isinstance(nz, bool) or not isinstance(nz, int) or nz < 1:
            raise ValueError(f"nz must be a positive int, got {nz!r}.")
        super().__init__(num_classes=num_classes, nz=nz, ngf=plan.widths[0], bottom_width=4, loss_type=loss_type,
                         **kwargs)
        self.plan = plan
        self.embed_dim = (nz if embed_dim is None else int(embed_dim)) if num_classes else 0
        if num_classes:
            self.embed = nn.Embedding(num_classes, self.embed_dim)
            msr_init_(self.embed.weight.t())  # as a linear map of one-hot labels: fan-in num_classes
        widths, L = plan.widths, plan.num_blocks
        stages = []
        for i, (w, n, c) in enumerate(zip(widths, plan.blocks, plan.cardinality)):
            transition: nn.Module = (GenerativeBasis(nz + self.embed_dim, w) if i == 0 else
                                     LowPassResample(widths[i - 1], w, up=True))
            stages.append(Stage(transition, [ResidualBlock(w, c, plan.expansion, L) for _ in range(n)],
                                transition_first=True))
        self.stages = nn.ModuleList(stages)
        self.to_rgb = nn.Conv2d(widths[-1], 3, 1, bias=False)
        msr_init_(self.to_rgb.weight)

    def forward(self, z: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.nz:
            raise ValueError(f"Expected noise of shape [N, {self.nz}], got {tuple(z.shape)}.")
        x = z
        if self.num_classes:
            if y is None:
                y = torch.randint(0, self.num_classes, (z.shape[0],), device=z.device)
            x = torch.cat([z, self.embed(y).to(z.dtype)], dim=1)
        for stage in self.stages:
            x = stage(x)
        return self.to_rgb(x)

    def sample_labels(self, num_images: int, device: Optional[Device] = None) -> torch.Tensor:
        """Uniform random labels ``[num_images]`` (int64); zeros for the unconditional network."""
        if not self.num_classes:
            return torch.zeros(num_images, dtype=torch.long, device=device if device is not None else self.device)
        return super().sample_labels(num_images, device)

    def make_labels(self, num_images: int, c: Optional[gan.cgan.ClassSpec] = None,
                    device: Optional[Device] = None) -> torch.Tensor:
        """Labels ``[num_images]`` as ``BaseConditionalGenerator.make_labels``; the unconditional
        network takes no class (``c`` must be None) and gets zeros."""
        if not self.num_classes and c is not None:
            raise ValueError(f"{type(self).__name__} is unconditional (num_classes=0): it takes no class c; build it "
                             "with num_classes=... for class-conditional images.")
        return super().make_labels(num_images, c, device)

    def generate_images_with_labels(self, num_images: int, c: Optional[gan.cgan.ClassSpec] = None,
                                    device: Optional[Device] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns ``(images [N, 3, R, R] clamped to [-1, 1], labels [N])`` (zeros when unconditional).

        Args:
            num_images (int): N.
            c (int or Tensor): one class for all images, or labels ``[N]``; random if None.
            device: where to generate (default the model's device).
        """
        device = device if device is not None else self.device
        labels = self.make_labels(num_images, c, device)
        images = self(self.sample_noise(num_images, device), labels if self.num_classes else None)
        return images.clamp(-1.0, 1.0), labels

    def train_step(self, real_batch: Sequence[torch.Tensor], netD: nn.Module, optG: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One generator update on the GAN loss (``rpgan``: ``softplus(D(x_i) - D(G(z_i)))``), the
        fakes with the real batch's labels when conditional; logs ``errG``.

        Uses the generator's raw (unclamped) images, as the official training does.
        """
        self.zero_grad()
        real_images = real_batch[0]
        labels = _labels(self, real_batch)
        fake_images = self(self.sample_noise(real_images.shape[0], device), labels)
        output = _call(netD, fake_images, labels)
        output_real = None
        if self.needs_real_output():
            with torch.no_grad():
                output_real = _call(netD, real_images, labels)
        errG = self.compute_gan_loss(output, output_real=output_real)
        self.backward_and_step(errG, optG, scaler)
        log_data.add_metric("errG", errG.detach(), group="loss")
        return log_data


#: The gradient penalties the discriminator may apply (``penalties=``).
PENALTIES = ("r1", "r2")


class R3GANDiscriminator(gan.BaseConditionalDiscriminator):
    """The R3GAN discriminator built from a plan; ``forward(x, y=None)`` maps images
    ``[N, 3, R, R]`` (and, when conditional, labels ``[N]``) to logits ``[N, 1]``.

    Layers: ``from_rgb`` (1x1 conv), ``stages[i]`` (``blocks``, then ``transition``: downsampling
    with a 1x1 ``conv`` where the width changes, or in the last stage the
    :class:`~torch_mimicry.nets.r3gan.layers.DiscriminativeBasis` head), ``embed`` (projection
    embedding, conditional only). The stages are the plan's in reverse (highest resolution first).

    Args:
        plan (str or R3GANPlan): a key of :data:`PLANS` (default ``'cifar10'``) or a plan.
        ndf (int): width of the 4x4 stage; the other widths scale with it (default the plan's).
        num_classes (int): 0 (default) for the unconditional network.
        embed_dim (int): size of the projection (default the 4x4 stage's width, the official choice).
        gamma (float): weight of R1 and R2 (each ``gamma / 2 * E||grad||^2``); default the start
            value of the plan's preset (CIFAR-10: 0.05). A schedule may change it during training.
        penalties (tuple of str): which of ``'r1'`` (real images) and ``'r2'`` (generated ones) to
            apply (both, as R3GAN; ``('r1',)`` is StyleGAN2's choice).
        loss_type (str): default ``'rpgan'``.
        resolution (int): if given, the plan must make images of this size.
    """

    allows_unconditional = True

    def __init__(self, plan: Union[str, R3GANPlan] = "cifar10", ndf: Optional[int] = None, num_classes: int = 0,
                 embed_dim: Optional[int] = None, gamma: Optional[float] = None,
                 penalties: Sequence[str] = PENALTIES, loss_type: str = "rpgan", resolution: Optional[int] = None,
                 **kwargs: Any) -> None:
        base = get_plan(plan)
        plan = base.scaled(ndf) if ndf is not None else base
        _resolution_check(plan, resolution, type(self).__name__)
        super().__init__(num_classes=num_classes, ndf=plan.widths[0], loss_type=loss_type, **kwargs)
        if gamma is None:
            if plan.name not in PRESETS:
                raise ValueError(f"Plan {plan.name!r} has no preset to take gamma from: pass gamma=... (the weight of "
                                 "R1 and R2).")
            gamma = PRESETS[plan.name].gamma[0]
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or gamma < 0:
            raise ValueError(f"gamma must be a number >= 0 (the weight of R1 and R2), got {gamma!r}.")
        penalties = tuple(penalties)
        if not set(penalties) <= set(PENALTIES):
            raise ValueError(f"penalties must be a subset of {PENALTIES}, got {penalties!r}.")
        self.plan = plan
        self.gamma = float(gamma)
        self.penalties = penalties
        self.embed_dim = (plan.widths[0] if embed_dim is None else int(embed_dim)) if num_classes else 0
        widths = plan.widths[::-1]
        cards, blocks, L = plan.cardinality[::-1], plan.blocks[::-1], plan.num_blocks
        self.from_rgb = nn.Conv2d(3, widths[0], 1, bias=False)
        msr_init_(self.from_rgb.weight)
        stages = []
        for i, (w, n, c) in enumerate(zip(widths, blocks, cards)):
            transition: nn.Module = (LowPassResample(w, widths[i + 1], up=False) if i + 1 < len(widths) else
                                     DiscriminativeBasis(w, self.embed_dim or 1))
            stages.append(Stage(transition, [ResidualBlock(w, c, plan.expansion, L) for _ in range(n)],
                                transition_first=False))
        self.stages = nn.ModuleList(stages)
        if num_classes:
            self.embed = nn.Embedding(num_classes, self.embed_dim)
            msr_init_(self.embed.weight.t(), gain=self.embed_dim ** -0.5)

    def forward(self, x: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = self.from_rgb(x)
        for stage in self.stages:
            h = stage(h)
        if self.num_classes:
            if y is None:
                raise ValueError(f"{type(self).__name__} is class-conditional: call it with labels, netD(x, y).")
            h = (h * self.embed(y).to(h.dtype)).sum(dim=1, keepdim=True)
        return h

    def train_step(self, real_batch: Sequence[torch.Tensor], netG: gan.BaseGenerator, optD: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One discriminator update on ``errD + R1 + R2``.

        ``errD`` is the GAN loss (``rpgan``: ``softplus(D(G(z_i)) - D(x_i))``) of the real batch
        and as many generated images (raw, unclamped; with the real batch's labels when
        conditional); R1 and R2 are ``gamma / 2 * E||grad_x D(x)||^2`` on the real and on the
        generated images (double backward). Logs ``errD`` (group ``loss``), ``errD_R1`` and
        ``errD_R2`` (group ``loss_R``), ``D(x)`` and ``D(G(z))``.
        """
        self.zero_grad()
        real_images = real_batch[0]
        labels = _labels(self, real_batch)
        with torch.no_grad():
            fake_images = _call(netG, netG.sample_noise(real_images.shape[0], device), labels)
        # The penalties differentiate D with respect to its inputs. requires_grad is switched on in
        # place, so the discriminator sees the real batch and the generator's output themselves (the
        # objects augmentations and LeCam recognise as real and fake), and switched off afterwards.
        need = {"r1": "r1" in self.penalties and self.gamma > 0, "r2": "r2" in self.penalties and self.gamma > 0}
        real_grad = real_images.requires_grad
        try:
            if need["r1"] and not real_grad:
                real_images.requires_grad_(True)
            if need["r2"]:
                fake_images.requires_grad_(True)
            output_real = _call(self, real_images, labels)
            output_fake = _call(self, fake_images, labels)
            errD = self.compute_gan_loss(output_real=output_real, output_fake=output_fake)
            terms: Dict[str, torch.Tensor] = {}
            if need["r1"]:
                terms["errD_R1"] = r1_penalty(output_real, real_images, self.gamma, scaler)
            if need["r2"]:
                terms["errD_R2"] = r2_penalty(output_fake, fake_images, self.gamma, scaler)
            loss = errD
            for term in terms.values():
                loss = loss + term
            self.backward_and_step(loss, optD, scaler)
        finally:
            if not real_grad:
                real_images.requires_grad_(False)
                real_images.grad = None
        D_x, D_Gz = self.compute_probs(output_real=output_real, output_fake=output_fake)
        log_data.add_metric("errD", errD.detach(), group="loss")
        for name, term in terms.items():
            log_data.add_metric(name, term.detach(), group="loss_R")
        log_data.add_metric("D(x)", D_x, group="prob")
        log_data.add_metric("D(G(z))", D_Gz, group="prob")
        return log_data
