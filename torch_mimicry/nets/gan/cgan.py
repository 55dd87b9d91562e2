"""Base classes of class-conditional GAN generators and discriminators.

The generator's ``forward(z, y)`` and the discriminator's ``forward(x, y)`` take labels
``y`` of shape ``[N]`` (int64 in ``[0, num_classes)``).

A family whose networks are conditional or not by an argument (R3GAN: ``num_classes=0`` for the
unconditional one) sets ``allows_unconditional = True``; :func:`is_class_conditional` tells what
an object is, whatever its class.
"""
import numbers
from typing import TYPE_CHECKING, Any, Optional, Sequence, Tuple, Union, cast

import torch
import torch.nn as nn

from torch_mimicry.nets.gan.gan import BaseDiscriminator, BaseGenerator, Device

if TYPE_CHECKING:  # the training package imports the networks
    from torch_mimicry.training.metric_log import MetricLog

#: A class for every image: one class index, or labels ``[N]`` (int64).
ClassSpec = Union[int, torch.Tensor]


def _check_num_classes(num_classes: int, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < low:
        what = "an int >= 0 (0: unconditional)" if allow_zero else "a positive int"
        raise ValueError(f"num_classes must be {what}, got {num_classes!r}.")
    return num_classes


def is_class_conditional(net: object) -> bool:
    """True when ``net`` is a library network that takes class labels: a conditional base class
    instance with ``num_classes > 0`` (a family with ``allows_unconditional`` may build one with 0)."""
    return (isinstance(net, (BaseConditionalGenerator, BaseConditionalDiscriminator))
            and getattr(net, "num_classes", 0) > 0)


class BaseConditionalGenerator(BaseGenerator):
    """Base class of class-conditional generators (``num_classes`` classes).

    Args:
        num_classes (int): number of classes. nz, ngf, bottom_width, loss_type: as ``BaseGenerator``
            (the argument order of torch-mimicry 0.1.16).
    """

    #: True for a family that builds its unconditional network with ``num_classes=0``.
    allows_unconditional: bool = False

    def __init__(self, num_classes: int, nz: int, ngf: int, bottom_width: int, loss_type: str,
                 **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, **kwargs)
        self.num_classes = _check_num_classes(num_classes, self.allows_unconditional)

    def sample_labels(self, num_images: int, device: Optional[Device] = None) -> torch.Tensor:
        """Uniform random labels ``[num_images]`` (int64)."""
        device = device if device is not None else self.device
        return torch.randint(0, self.num_classes, (num_images,), device=device)

    # c comes second, before device, as in torch-mimicry 0.1.16 (BaseGenerator's second parameter is device)
    def generate_images(self, num_images: int, c: Optional[ClassSpec] = None,  # type: ignore[override]
                        device: Optional[Device] = None) -> torch.Tensor:
        """Images ``[num_images, 3, H, W]`` in ``[-1, 1]`` of class ``c`` (an int, or labels
        ``[num_images]``), or of uniformly drawn classes when ``c`` is None."""
        return self.generate_images_with_labels(num_images, c=c, device=device)[0]

    def make_labels(self, num_images: int, c: Optional[ClassSpec] = None,
                    device: Optional[Device] = None) -> torch.Tensor:
        """Labels ``[num_images]`` (int64): ``c`` (one class for all, or labels ``[N]``), or
        uniformly drawn classes when ``c`` is None."""
        device = device if device is not None else self.device
        if c is None:
            return self.sample_labels(num_images, device)
        if isinstance(c, numbers.Integral) or (isinstance(c, torch.Tensor) and c.dim() == 0):
            c = int(c)
            if not 0 <= c < self.num_classes:
                raise ValueError(f"Class c={c} is out of range [0, {self.num_classes}).")
            return torch.full((num_images,), c, dtype=torch.long, device=device)
        labels = torch.as_tensor(c, dtype=torch.long, device=device)
        if labels.shape != (num_images,):
            raise ValueError(f"Expected c to be one class or labels of shape ({num_images},), "
                             f"got shape {tuple(labels.shape)}.")
        if labels.numel() and not (0 <= int(labels.min()) and int(labels.max()) < self.num_classes):
            raise ValueError(f"Labels in c must lie in [0, {self.num_classes}); got values in "
                             f"[{int(labels.min())}, {int(labels.max())}].")
        return labels

    def generate_images_with_labels(self, num_images: int, c: Optional[ClassSpec] = None,
                                    device: Optional[Device] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns ``(images [N, 3, H, W] in [-1, 1], labels [N])``.

        Args:
            num_images (int): N.
            c (int or Tensor): one class for all images, or labels ``[N]``; random if None.
            device: where to generate (default the model's device).

        Raises:
            ValueError: a class outside ``[0, num_classes)`` or labels of the wrong shape.
        """
        device = device if device is not None else self.device
        labels = self.make_labels(num_images, c, device)
        return self(self.sample_noise(num_images, device), labels), labels

    def train_step(self, real_batch: Sequence[torch.Tensor], netD: nn.Module, optG: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One generator update with random class labels (plus ``regularization_loss``); logs ``errG``."""
        self.zero_grad()
        batch_size = real_batch[0].shape[0]
        fake_images, fake_labels = self.generate_images_with_labels(num_images=batch_size, device=device)
        output = netD(fake_images, fake_labels)
        output_real = None
        if self.needs_real_output():
            with torch.no_grad():
                output_real = netD(real_batch[0], real_batch[1])
        errG = self.compute_gan_loss(output, output_real=output_real)
        penalty = self.regularization_loss(log_data)
        self.backward_and_step(errG if penalty is None else errG + penalty, optG, scaler)
        log_data.add_metric("errG", errG.detach(), group="loss")
        return log_data

    def regularization_loss(self, log_data: "MetricLog") -> Optional[torch.Tensor]:
        """A scalar term that ``train_step`` adds to the generator loss, logged by the subclass
        that defines it in ``log_data``; None (the default) adds nothing."""
        return None


class BaseConditionalDiscriminator(BaseDiscriminator):
    """Base class of class-conditional discriminators (``num_classes`` classes); arguments in
    the order of torch-mimicry 0.1.16."""

    #: True for a family that builds its unconditional network with ``num_classes=0``.
    allows_unconditional: bool = False

    def __init__(self, num_classes: int, ndf: int, loss_type: str, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)
        self.num_classes = _check_num_classes(num_classes, self.allows_unconditional)

    def train_step(self, real_batch: Sequence[torch.Tensor], netG: BaseGenerator, optD: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One discriminator update on labelled real images and labelled fakes (``netG`` must be a
        ``BaseConditionalGenerator``: its ``generate_images_with_labels`` makes the fakes)."""
        self.zero_grad()
        real_images, real_labels = real_batch
        batch_size = real_images.shape[0]
        with torch.no_grad():
            fake_images, fake_labels = cast(BaseConditionalGenerator, netG).generate_images_with_labels(
                num_images=batch_size, device=device)
        output_real = self(real_images, real_labels)
        output_fake = self(fake_images, fake_labels)
        errD = self.compute_gan_loss(output_real=output_real, output_fake=output_fake)
        self.backward_and_step(errD, optD, scaler)
        D_x, D_Gz = self.compute_probs(output_real=output_real, output_fake=output_fake)
        log_data.add_metric("errD", errD.detach(), group="loss")
        log_data.add_metric("D(x)", D_x, group="prob")
        log_data.add_metric("D(G(z))", D_Gz, group="prob")
        return log_data
