"""Augmentations that reach the discriminator of any GAN family without editing it.

Each is a random, differentiable map of images in [-1, 1] (``x -> x``) with its state
(``state_dict`` / ``load_state_dict``) and settings (``hparams``), applied by forward hooks on the
discriminator (``DiscriminatorHooks``) to every image it sees, real or generated, in the
discriminator's step and in the generator's step:

* ``DiffAugment`` (Zhao et al. 2020): colour, translation, cutout.
* ``ADA`` (Karras et al. 2020): geometric and colour transforms with probability ``p`` adapted by
  the sign of the discriminator's outputs on real images.
* ``ProgressiveAugmentation`` (PA-GAN, Zhang & Khoreva 2019): random bits XOR-ed into the labels,
  levels added when a criterion (KID) stops improving.

``Trainer(augment='diffaugment' | 'ada' | 'pagan' | <an augmentation object>)`` switches one on.
"""
from typing import Dict, Type, Union

from torch_mimicry.augment.ada import ADA
from torch_mimicry.augment.base import Augmentation
from torch_mimicry.augment.diffaugment import DiffAugment
from torch_mimicry.augment.hooks import DiscriminatorCall, DiscriminatorHooks, DiscriminatorPlugin
from torch_mimicry.augment.pagan import KIDCriterion, ProgressiveAugmentation

#: PA-GAN's class under the paper's name.
PAGAN = ProgressiveAugmentation

#: Names accepted by ``make_augmentation`` (and ``Trainer(augment=...)``).
AUGMENTATIONS: Dict[str, Type[Augmentation]] = {"diffaugment": DiffAugment, "ada": ADA,
                                                "pagan": ProgressiveAugmentation}


def make_augmentation(augment: Union[str, Augmentation]) -> Augmentation:
    """An augmentation from a name in ``AUGMENTATIONS`` (default settings; case, ``-`` and ``_``
    do not matter: ``'PA-GAN'``, ``'DiffAugment'``) or an ``Augmentation`` object (returned as is)."""
    if isinstance(augment, Augmentation):
        return augment
    if isinstance(augment, str):
        key = augment.lower().replace("-", "").replace("_", "").replace(" ", "")  # 'PA-GAN', 'Diff_Augment'
        key = {"diffaug": "diffaugment"}.get(key, key)
        if key in AUGMENTATIONS:
            return AUGMENTATIONS[key]()
    raise ValueError(f"Unknown augmentation {augment!r}: expected one of {', '.join(AUGMENTATIONS)} or an "
                     "object of torch_mimicry.augment (e.g. DiffAugment(policy='translation,cutout')).")


__all__ = ["ADA", "AUGMENTATIONS", "Augmentation", "DiffAugment", "DiscriminatorCall", "DiscriminatorHooks",
           "DiscriminatorPlugin", "KIDCriterion", "PAGAN", "ProgressiveAugmentation", "make_augmentation"]
