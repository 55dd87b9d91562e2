"""PA-GAN: progressive augmentation of the discriminator (Zhang & Khoreva 2019, *Progressive
Augmentation of GANs*, NeurIPS).

At augmentation level ``L`` every image the discriminator sees is paired with ``L`` random bits
``s`` (each 0 or 1 with probability 1/2, drawn per image and per call), and its class becomes
``y XOR s_1 XOR ... XOR s_L`` (``y`` = real / fake): when the bits have odd parity the discriminator
must call a real image fake and a fake image real. The task stays as hard for the generator as
before (the paper shows the optimum is unchanged) but gets harder for the discriminator with
every level.

How the bits enter the discriminator (as in the authors' ``pa_conv2d``): as ``L`` constant
channels concatenated to the input of one convolution, by default the first convolution of the
discriminator (the one that reads the image; "input-space augmentation"; name a deeper one with
``layer=`` for "feature-space augmentation"). The discriminator is not edited: a forward hook adds
``conv(bit planes, W_bits)`` to that layer's output, which is the same linear map as the
convolution of the concatenation, with ``W_bits`` (``[out, max_level, kh, kw]``, starting at 0) a
new parameter trained by the discriminator's optimizer. Unlike the authors' layer, ``W_bits`` is
not spectrally normalised together with the layer's weight.

How the labels flip: the discriminator's real/fake logits of odd-parity images are mapped so that
the unchanged loss treats them as the other class: ``o -> -o`` for the losses whose fake-class
loss is the real-class loss of ``-o`` (``gan``, ``ns``, ``hinge``, ``wasserstein``) and
``o -> 1 - o`` for ``lsgan`` (targets 1 and 0). The relativistic losses compare real and fake
batches as wholes and have no per-image label to flip; they are refused.

Schedule (the paper's progression scheduling): every ``check_interval`` generator steps (10k) a
criterion is evaluated, by default KID between real and generated images (lower is better). When
the value is less than ``tolerance`` (5%) below the mean of the two previous values measured at
the same level, the level goes up by one (up to ``max_level``), and the history restarts. So a
level lasts at least three checks.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
import torch.nn as nn

from torch_mimicry.augment.base import Augmentation
from torch_mimicry.augment.hooks import DiscriminatorCall, DiscriminatorHooks

#: How odd-parity logits are mapped, per loss type.
LABEL_FLIPS = {"gan": "negate", "ns": "negate", "hinge": "negate", "wasserstein": "negate", "lsgan": "one_minus"}


def flip_logits(logits: torch.Tensor, flip: torch.Tensor, mode: str) -> torch.Tensor:
    """``logits`` with the rows where ``flip`` [N] is True mapped to the other class."""
    flipped = -logits if mode == "negate" else 1.0 - logits
    return torch.where(flip.view(-1, *([1] * (logits.dim() - 1))), flipped, logits)


def first_convolution(net: nn.Module) -> str:
    """Name of the first ``nn.Conv2d`` registered in ``net`` (the one that reads the image in every
    discriminator of the library and of the tutorial)."""
    for name, module in net.named_modules():
        if isinstance(module, nn.Conv2d):
            return name
    raise ValueError(f"{type(net).__name__} has no nn.Conv2d layer for the augmentation bits; "
                     "pass layer='<name of a convolution>'.")


class KIDCriterion:
    """The paper's progression criterion: KID of the generator against the training images.

    Args:
        num_samples (int): real and generated images (10000).
        dataset: a dataset name or Dataset (default: the Trainer's dataloader's dataset).
        seed (int): seed of the generated images (the same every check).
        **metric_kwargs: passed to ``torch_mimicry.metrics.score_generator`` (e.g. ``weights``,
            ``dataset_root``, ``num_subsets``, ``batch_size``).
    """

    name = "kid"

    def __init__(self, num_samples: int = 10000, dataset: Any = None, seed: int = 0, **metric_kwargs: Any) -> None:
        self.num_samples, self.dataset, self.seed, self.metric_kwargs = int(num_samples), dataset, seed, metric_kwargs
        self._job: Any = None

    def prepare(self, trainer: Any) -> None:
        """Checks the arguments and finds the Inception weights (or says how to provide them) when
        training starts, rather than at the first check."""
        from torch_mimicry.metrics.evaluation import _Job
        dataset = self.dataset if self.dataset is not None else trainer.user_dataloader.dataset
        kwargs = dict({"verbose": False}, **self.metric_kwargs)
        self._job = _Job("kid", dict(kwargs, dataset=dataset, num_samples=self.num_samples))

    def __call__(self, trainer: Any) -> float:
        if self._job is None:
            self.prepare(trainer)
        job = self._job
        return float(job.score(trainer.netG, self.seed, trainer.device)[0])

    def hparams(self) -> Dict[str, Any]:
        """The settings, as recorded in the run's params.json."""
        return {"name": self.name, "num_samples": self.num_samples, "seed": self.seed,
                "dataset": self.dataset if isinstance(self.dataset, (str, type(None))) else type(self.dataset).__name__}


class ProgressiveAugmentation(Augmentation):
    """PA-GAN's progressive augmentation (see the module docstring).

    Args:
        criterion (callable): ``criterion(trainer) -> float`` (lower is better), evaluated every
            ``check_interval`` steps by the Trainer; default ``KIDCriterion()``.
        check_interval (int): generator steps between checks (10000).
        tolerance (float): relative improvement below which the level goes up (0.05).
        max_level (int): largest level (number of bits) (8; the paper fixes none).
        level (int): starting level (0: no augmentation until the first level-up).
        layer (str): name of the convolution of ``netD`` that receives the bits (default the
            first ``nn.Conv2d``).
        label_flip (str): ``'negate'`` or ``'one_minus'``; default from ``netD.loss_type``.

    Use: ``Trainer(augment=ProgressiveAugmentation(...))``, or add it to a ``DiscriminatorHooks``
    of ``netD`` and add ``parameters()`` to the discriminator's optimizer.
    """

    name = "pagan"

    def __init__(self, criterion: Optional[Callable[[Any], float]] = None, check_interval: int = 10000,
                 tolerance: float = 0.05, max_level: int = 8, level: int = 0, layer: Optional[str] = None,
                 label_flip: Optional[str] = None) -> None:
        if isinstance(check_interval, bool) or not isinstance(check_interval, int) or check_interval < 1:
            raise ValueError(f"check_interval must be a positive int (generator steps), got {check_interval!r}.")
        if not isinstance(tolerance, (int, float)) or not 0 <= tolerance < 1:
            raise ValueError(f"tolerance must be a number in [0, 1), got {tolerance!r}.")
        if isinstance(max_level, bool) or not isinstance(max_level, int) or max_level < 1:
            raise ValueError(f"max_level must be a positive int, got {max_level!r}.")
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= max_level:
            raise ValueError(f"level must be an int in [0, max_level={max_level}], got {level!r}.")
        if label_flip not in (None, "negate", "one_minus"):
            raise ValueError("label_flip must be None (from the loss type), 'negate' or 'one_minus'; "
                             f"got {label_flip!r}.")
        if criterion is not None and not callable(criterion):
            raise ValueError("criterion must be callable: criterion(trainer) -> float, lower is better.")
        self.criterion: Callable[[Any], float] = criterion if criterion is not None else KIDCriterion()
        self.check_interval, self.tolerance, self.max_level = check_interval, float(tolerance), max_level
        self.level = self.start_level = level
        self.layer, self.label_flip = layer, label_flip
        self.history: List[float] = []
        self.bit_kernel: Optional[nn.Parameter] = None
        self._hooks: Optional[DiscriminatorHooks] = None
        self._handle: Any = None

    # -- attaching to the discriminator -----------------------------------------------------------
    def bind(self, hooks: DiscriminatorHooks) -> None:
        netD = hooks.netD
        if self.label_flip is None:
            loss_type = getattr(netD, "loss_type", None)
            if loss_type not in LABEL_FLIPS:
                raise ValueError(f"PA-GAN flips labels by mapping logits, defined for the loss types "
                                 f"{', '.join(LABEL_FLIPS)}; netD's loss_type is {loss_type!r}. Use one of those "
                                 "(relativistic losses have no per-image label), or pass label_flip='negate' / "
                                 "'one_minus' for a discriminator without loss_type.")
            self.label_flip = LABEL_FLIPS[loss_type]
        self.layer = self.layer if self.layer is not None else first_convolution(netD)
        modules = dict(netD.named_modules())
        conv = modules.get(self.layer)
        if not isinstance(conv, nn.Conv2d):
            raise ValueError(f"layer={self.layer!r} is not an nn.Conv2d of {type(netD).__name__}.")
        weight = getattr(conv, "weight_orig", None)
        weight = weight if isinstance(weight, torch.Tensor) else conv.weight
        shape = (int(weight.shape[0]), self.max_level) + tuple(int(k) for k in weight.shape[2:])
        if self.bit_kernel is None or tuple(self.bit_kernel.shape) != shape:
            self.bit_kernel = nn.Parameter(torch.zeros(shape, device=weight.device, dtype=weight.dtype))
        self._hooks = hooks
        self._handle = conv.register_forward_hook(self._conv_hook)

    def unbind(self, hooks: DiscriminatorHooks) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def parameters(self) -> List[nn.Parameter]:
        """The trainable bit kernel (add it to the discriminator's optimizer)."""
        if self.bit_kernel is None:
            raise RuntimeError("The bit kernel is made when the augmentation is attached to a discriminator.")
        return [self.bit_kernel]

    # -- per call -----------------------------------------------------------------------------------
    def draw_bits(self, n: int, device: Any) -> Tuple[torch.Tensor, torch.Tensor]:
        """Random bits ``[n, level]`` (float 0/1) and their parity ``[n]`` (bool, True = odd)."""
        bits = torch.randint(0, 2, (n, self.level), device=device)
        return bits.to(torch.float32), (bits.sum(dim=1) % 2).bool()

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """The images are unchanged: the bits enter through the chosen convolution."""
        return x

    def on_input(self, x: torch.Tensor, call: DiscriminatorCall) -> torch.Tensor:
        if self.level > 0:
            call.data["pa_bits"], call.data["pa_flip"] = self.draw_bits(x.shape[0], x.device)
        return x

    def _conv_hook(self, module: nn.Conv2d, inputs: Tuple[Any, ...], output: torch.Tensor) -> Optional[torch.Tensor]:
        call = self._hooks.current_call if self._hooks is not None else None
        if call is None or "pa_bits" not in call.data:
            return None
        bits = call.data["pa_bits"]
        assert self.bit_kernel is not None
        h = inputs[0]
        if h.shape[0] != bits.shape[0]:
            raise RuntimeError(f"PA-GAN: layer {self.layer!r} saw a batch of {h.shape[0]} for a discriminator input "
                               f"of {bits.shape[0]} images; choose a layer that runs once per image.")
        level = bits.shape[1]
        planes = bits.to(h.dtype)[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3]).contiguous()
        return output + module._conv_forward(planes, self.bit_kernel[:, :level].to(h.dtype), None)

    def on_output(self, logits: torch.Tensor, call: DiscriminatorCall) -> torch.Tensor:
        flip = call.data.get("pa_flip")
        return logits if flip is None else flip_logits(logits, flip, self.label_flip or "negate")

    def start_step(self, phase: str, global_step: int) -> None:
        if self.bit_kernel is None:
            return
        self.bit_kernel.grad = None  # netD.zero_grad() does not see this parameter
        # trained in the discriminator's step, frozen with the discriminator in the generator's step
        self.bit_kernel.requires_grad_(phase == "D")

    def end_step(self, phase: str, global_step: int) -> None:
        if self.bit_kernel is not None:
            self.bit_kernel.requires_grad_(True)

    # -- schedule -----------------------------------------------------------------------------------
    def is_check_step(self, global_step: int) -> bool:
        """True at the steps where the level criterion is measured (every ``check_interval`` steps)."""
        return global_step > 0 and global_step % self.check_interval == 0

    def record_score(self, score: float) -> bool:
        """Adds a criterion value measured at the current level; returns True when the level went up
        (the value improved by less than ``tolerance`` on the mean of the two before it)."""
        self.history.append(float(score))
        if len(self.history) < 3 or self.level >= self.max_level:
            return False
        previous = 0.5 * (self.history[-2] + self.history[-3])
        if previous - self.history[-1] < self.tolerance * previous:
            self.level += 1
            self.history = []
            return True
        return False

    # -- state ---------------------------------------------------------------------------------------
    def hparams(self) -> Dict[str, Any]:
        """The settings, as recorded in the run's params.json."""
        hparams = getattr(self.criterion, "hparams", None)
        criterion = hparams() if callable(hparams) else getattr(self.criterion, "__name__",
                                                                  type(self.criterion).__name__)
        return {"criterion": criterion, "check_interval": self.check_interval, "tolerance": self.tolerance,
                "max_level": self.max_level, "start_level": self.start_level, "layer": self.layer,
                "label_flip": self.label_flip}

    def state_dict(self) -> Dict[str, Any]:
        """The state that changes during training (saved in the checkpoints)."""
        state = {"level": self.level, "history": list(self.history)}
        if self.bit_kernel is not None:
            state["bit_kernel"] = self.bit_kernel.detach().clone()
        return state

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Restores a ``state_dict()``."""
        level = int(state["level"])
        if not 0 <= level <= self.max_level:
            raise ValueError(f"Saved PA-GAN level {level} is outside [0, max_level={self.max_level}].")
        self.level, self.history = level, [float(v) for v in state["history"]]
        if "bit_kernel" in state and self.bit_kernel is not None:
            if tuple(state["bit_kernel"].shape) != tuple(self.bit_kernel.shape):
                raise ValueError(f"Saved PA-GAN bit kernel has shape {tuple(state['bit_kernel'].shape)}, this "
                                 f"discriminator's layer needs {tuple(self.bit_kernel.shape)}.")
            with torch.no_grad():
                self.bit_kernel.copy_(state["bit_kernel"])

    def metrics(self) -> Dict[str, float]:
        """Values to log, ``{name: float}``."""
        return {"pa_level": self.level}
