"""The Trainer's contract, checked before the first step.

:func:`check_trainer_inputs` runs once when a Trainer is built (networks, optimizers, data
loader); :func:`check_first_batch` runs once on the first real batch, before the first
``train_step``. Nothing is checked per step after that. Each check raises ``ValueError`` /
``TypeError`` (or warns) with the argument, the values seen and the fix; a network family of
the user's own (the tutorial's SSGAN, a custom discriminator) passes them as long as it keeps
the Trainer's contract:

- ``optD`` / ``optG`` optimise ``netD`` / ``netG``: neither holds the other network's
  parameters, each holds some of its own (a warning names trainable ones it leaves out);
- the data loader is a loader (not a Dataset) yielding ``(images, labels)`` or images alone;
- images are floating point ``[N, C, H, W]`` with the channel count and resolution the
  generator produces, with values in [-1, 1] (a warning when they lie wholly in [0, 1]);
- labels of class-conditional networks are integers in ``[0, num_classes)``, and the two
  networks agree on ``num_classes``.
"""
from __future__ import annotations

import contextlib
import inspect
import warnings
from typing import Any, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from torch_mimicry.nets.gan.cgan import BaseConditionalDiscriminator, BaseConditionalGenerator, is_class_conditional
from torch_mimicry.utils.images import check_image_values

__all__ = ["check_trainer_inputs", "check_optimizers", "check_class_conditioning", "check_dataloader",
           "check_first_batch"]

_MAX_NAMES = 3


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:_MAX_NAMES])
    return shown + (f" and {len(names) - _MAX_NAMES} more" if len(names) > _MAX_NAMES else "")


def _describe(net: object) -> str:
    return type(net).__name__


def check_trainer_inputs(netD: nn.Module, netG: nn.Module, optD: torch.optim.Optimizer, optG: torch.optim.Optimizer,
                         dataloader: Any) -> None:
    """Everything checkable before any data is read: see :func:`check_dataloader`,
    :func:`check_optimizers` and :func:`check_class_conditioning`."""
    check_dataloader(dataloader)
    check_optimizers(netD, netG, optD, optG)
    check_class_conditioning(netD, netG)


def check_dataloader(dataloader: Any) -> None:
    """Raises TypeError when ``dataloader`` is a Dataset or cannot be iterated."""
    if isinstance(dataloader, torch.utils.data.Dataset) and not isinstance(dataloader, torch.utils.data.DataLoader):
        raise TypeError(f"dataloader is a Dataset ({type(dataloader).__name__}), not a DataLoader: iterating it "
                        "yields single images. Pass torch.utils.data.DataLoader(dataset, batch_size=64, "
                        "shuffle=True, drop_last=True).")
    try:
        iter_fn = type(dataloader).__iter__
    except AttributeError:
        iter_fn = None
    if iter_fn is None:
        raise TypeError(f"dataloader must be an iterable of batches (a torch.utils.data.DataLoader), got "
                        f"{type(dataloader).__name__}.")


def check_optimizers(netD: nn.Module, netG: nn.Module, optD: torch.optim.Optimizer,
                     optG: torch.optim.Optimizer) -> None:
    """``optD`` must optimise ``netD`` and ``optG`` ``netG``.

    Raises:
        ValueError: netD and netG are one object; an optimizer holds parameters of the other
            network, or none of its own network's.
    Warns:
        UserWarning: an optimizer leaves trainable parameters of its network out.
    """
    if netD is netG:
        raise ValueError("netD and netG are the same network object; pass the discriminator as netD and the "
                         "generator as netG.")
    for opt_name, opt, own_name, own, other_name, other in (("optD", optD, "netD", netD, "netG", netG),
                                                            ("optG", optG, "netG", netG, "netD", netD)):
        held = {id(p) for group in opt.param_groups for p in group["params"]}
        own_params = dict(own.named_parameters())
        own_ids = {id(p) for p in own_params.values()}
        from_other = [n for n, p in other.named_parameters() if id(p) in held and id(p) not in own_ids]
        fix = f"build it over {own_name}'s parameters: {type(opt).__name__}({own_name}.parameters(), ...)."
        if from_other:
            raise ValueError(f"{opt_name} holds {len(from_other)} parameter(s) of {other_name} "
                             f"({_describe(other)}: {_names(from_other)}); {own_name} would be trained by the "
                             f"other network's optimizer. {opt_name} must optimise {own_name} only: {fix}")
        if not any(id(p) in held for p in own_params.values()):
            raise ValueError(f"{opt_name} holds none of {own_name}'s parameters ({_describe(own)}), so "
                             f"{own_name} would never learn: {fix}")
        left_out = [n for n, p in own_params.items() if p.requires_grad and id(p) not in held]
        if left_out:
            warnings.warn(f"{opt_name} leaves {len(left_out)} trainable parameter(s) of {own_name} out "
                          f"({_names(left_out)}): they will not be updated. Build {opt_name} over "
                          f"{own_name}.parameters(), or set requires_grad=False on parameters meant to stay fixed.",
                          UserWarning, stacklevel=4)


def _accepts_labels(net: nn.Module) -> bool:
    """True when ``net(x, y)`` binds to its forward's signature."""
    try:
        inspect.signature(net.forward).bind(None, None)
        return True
    except TypeError:
        return False
    except ValueError:  # no signature available: assume it does
        return True


def check_class_conditioning(netD: nn.Module, netG: nn.Module) -> None:
    """The two networks agree on class conditioning and on ``num_classes``.

    Raises:
        ValueError: both are class-conditional with different ``num_classes``, or one is a
            library conditional network whose partner cannot take labels.
    """
    cond_d = is_class_conditional(netD)
    cond_g = is_class_conditional(netG)
    if (isinstance(netD, BaseConditionalDiscriminator) and isinstance(netG, BaseConditionalGenerator)
            and (cond_d or cond_g) and netD.num_classes != netG.num_classes):
        raise ValueError(f"netG ({_describe(netG)}) has num_classes={netG.num_classes} but netD ({_describe(netD)}) "
                         f"has num_classes={netD.num_classes}; build both with the dataset's number of classes.")
    if cond_g and not cond_d and not _accepts_labels(netD):
        raise ValueError(f"netG ({_describe(netG)}) is class-conditional but netD ({_describe(netD)}) takes no "
                         "labels (its forward accepts images only); pair it with a class-conditional "
                         "discriminator of the same family.")
    if cond_d and not cond_g and not callable(getattr(netG, "generate_images_with_labels", None)):
        raise ValueError(f"netD ({_describe(netD)}) is class-conditional but netG ({_describe(netG)}) cannot generate "
                         "labelled images (it has no generate_images_with_labels); pair it with a "
                         "class-conditional generator of the same family.")


def _num_classes(netD: nn.Module, netG: nn.Module) -> Tuple[Optional[int], Optional[nn.Module]]:
    for net in (netD, netG):
        if is_class_conditional(net):
            return int(getattr(net, "num_classes")), net
    return None, None


def _generated_shape(netG: nn.Module, device: Union[str, torch.device, None]) -> Optional[Tuple[int, ...]]:
    """``(C, H, W)`` of ``netG``'s images, from two samples in eval mode; None if it cannot tell.

    The generator's modes (per module) and the RNG states are restored, so checking does not
    change training; a compiled generator runs eagerly here.
    """
    generate = getattr(netG, "generate_images", None)
    if not callable(generate):
        return None
    modes = {m: m.training for m in netG.modules()}
    device = torch.device(device) if device is not None else getattr(netG, "device", torch.device("cpu"))
    cuda = [device.index if device.index is not None else torch.cuda.current_device()] if device.type == "cuda" else []
    eager = torch.compiler.set_stance("force_eager") if hasattr(torch.compiler, "set_stance") else \
        contextlib.nullcontext()  # a compiled generator would compile its eval graph for this
    try:
        netG.eval()
        with torch.no_grad(), torch.random.fork_rng(devices=cuda), eager:
            images = generate(num_images=2, device=device)
    except Exception:  # noqa: BLE001  (the training step will report a generator that cannot sample)
        return None
    finally:
        for module, mode in modes.items():
            module.training = mode
    if isinstance(images, (tuple, list)):
        images = images[0]
    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        return None
    return tuple(images.shape[1:])


def _split_batch(batch: Any) -> Tuple[torch.Tensor, Any]:
    """``(images, labels)`` of a batch in a form the Trainer accepts; raises on any other form."""
    if isinstance(batch, torch.Tensor):
        return batch, None
    if isinstance(batch, dict):
        raise ValueError(f"The dataloader yields dicts (keys {sorted(map(str, batch))}); the Trainer expects each "
                         "batch as (images, labels): images a float tensor [N, 3, H, W] in [-1, 1], labels [N]. "
                         "Wrap the dataset so that __getitem__ returns (image, label).")
    if not isinstance(batch, (tuple, list)):
        raise ValueError(f"The dataloader yields {type(batch).__name__} objects; the Trainer expects each batch as "
                         "(images, labels): images a float tensor [N, 3, H, W] in [-1, 1], labels [N].")
    if len(batch) < 2:
        raise ValueError(f"The dataloader yields batches of {len(batch)} item(s); the Trainer expects (images, "
                         "labels). For unlabelled images return (image, 0) from the dataset's __getitem__, e.g. "
                         "TensorDataset(images, torch.zeros(len(images), dtype=torch.long)).")
    if not isinstance(batch[0], torch.Tensor):
        raise ValueError(f"The first element of each batch must be the images as a tensor [N, 3, H, W]; got "
                         f"{type(batch[0]).__name__}. Use a dataset whose transform ends with ToTensor() and "
                         "Normalize (e.g. mmc.datasets.load_dataset).")
    return batch[0], batch[1]


def _check_labels(labels: Any, num_images: int, num_classes: int, net: Optional[nn.Module]) -> None:
    where = f"{_describe(net)}, num_classes={num_classes}"
    if not isinstance(labels, torch.Tensor):
        raise ValueError(f"The labels of the first batch are {type(labels).__name__}; the class-conditional networks "
                         f"({where}) need an integer tensor [N] of class indices.")
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise ValueError(f"The labels of the first batch have dtype {labels.dtype}; the class-conditional networks "
                         f"({where}) need integer class indices (torch.long): convert them with labels.long().")
    if labels.dim() != 1 or labels.shape[0] != num_images:
        raise ValueError(f"The labels of the first batch have shape {tuple(labels.shape)}; the class-conditional "
                         f"networks ({where}) need one class index per image: shape [{num_images}].")
    if labels.numel():
        labels = labels.detach().cpu()
        bad = labels[(labels < 0) | (labels >= num_classes)]
        if bad.numel():
            raise ValueError(f"The first batch holds label {int(bad[0])}, outside [0, {num_classes}) of the "
                             f"class-conditional networks ({where}). Build the networks with num_classes="
                             f"{max(int(labels.max()) + 1, num_classes)} or map the dataset's labels to "
                             f"0..{num_classes - 1}.")


def check_first_batch(batch: Any, netD: nn.Module, netG: nn.Module,
                      device: Union[str, torch.device, None] = None) -> None:
    """Checks the first real batch against the networks, before the first training step.

    Args:
        batch: what the data loader yielded: ``(images, labels, ...)`` or images alone.
        netD, netG: the networks being trained.
        device: where the networks run (default: netG's device).

    Raises:
        ValueError: a form other than ``(images, labels)``; images not a floating point
            ``[N, C, H, W]`` tensor, of another shape than the generator's images, with NaN or
            values beyond [-1, 1]; labels of conditional networks not integers in
            ``[0, num_classes)``.
    Warns:
        UserWarning: images lying wholly in [0, 1].
    """
    images, labels = _split_batch(batch)
    if images.dim() != 4:
        raise ValueError(f"The dataloader's images have shape {tuple(images.shape)}; the Trainer expects batches "
                         "[N, C, H, W]. Pass a DataLoader with a batch_size over the dataset, not the dataset itself.")
    what = f"The real images of the first batch ({images.dtype}, shape {list(images.shape)})"
    check_image_values(images, what=what, stacklevel=4)  # points at the caller of Trainer.train()
    expected = _generated_shape(netG, device)
    if expected is not None and tuple(images.shape[1:]) != expected:
        c, h, w = expected
        hint = []
        if images.shape[1] != c:
            hint.append(f"{images.shape[1]}-channel images reach networks made for {c} channels"
                        + ("; convert grey images to RGB (image.convert('RGB') or x.expand(-1, 3, -1, -1))"
                           if images.shape[1] == 1 and c == 3 else ""))
        if tuple(images.shape[2:]) != (h, w):
            hint.append(f"resize the dataset to {h}x{w} (e.g. load_dataset(..., 'image_folder', image_size={h})) or "
                        f"use the networks of the {images.shape[2]}-px resolution")
        raise ValueError(f"The real images are {images.shape[1]} x {images.shape[2]} x {images.shape[3]} (batch shape "
                         f"{list(images.shape)}) but netG ({_describe(netG)}) generates {c} x {h} x {w} images: the "
                         "discriminator would compare images of different shapes. " + "; ".join(hint) + ".")
    num_classes, net = _num_classes(netD, netG)
    if num_classes is not None:
        _check_labels(labels, images.shape[0], num_classes, net)

