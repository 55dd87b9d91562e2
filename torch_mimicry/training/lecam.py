"""LeCam regularisation of the discriminator (Tseng et al. 2021, *Regularizing Generative
Adversarial Networks under Limited Data*, CVPR).

``R_LC = E[relu(D(x) - a_F)^2] + E[relu(a_R - D(G(z)))^2]`` (one-sided, the authors' released code;
``one_sided=False`` gives the paper's two-sided squares), added to the discriminator's loss with
weight ``weight`` (lambda). The anchors ``a_R``, ``a_F`` are exponential moving averages (decay
0.99) of the discriminator's mean outputs on real and on generated images, updated at every
discriminator step before the term is computed; before ``ema_start`` generator steps they are the
current step's means (as in the authors' code, whose EMA decay is 0 before its start iteration).

The term reaches a discriminator whose ``train_step`` computes and back-propagates its own loss
(a library family, the tutorial's SSGAN, a user's class): as a plugin of the discriminator hooks
(see ``torch_mimicry.augment.hooks``) it sees the outputs on the real batch and on the generated
images and registers a gradient hook on each, which adds ``weight * dR_LC / dD`` to the gradient
that reaches the output during ``errD.backward()``. The parameter gradients are then exactly
those of ``errD + weight * R_LC`` (the anchors are constants for the gradient). Outputs are
identified as in ``DiscriminatorHooks``; in a call on one concatenation of reals and fakes the
rows of each are regularised as such. A discriminator step that never calls the discriminator on
both the real batch and generated images is refused (``InterceptionError``).

``LeCam`` is the regulariser (a plugin, usable with ``DiscriminatorHooks`` alone);
``Trainer(lecam=...)`` registers it into the Trainer's hooks through
:class:`LeCamRegularization`, which also averages the anchors over the processes of a
distributed run and follows the float16 loss scale.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Set, Union

import torch

from torch_mimicry.augment.hooks import DiscriminatorCall, DiscriminatorPlugin
from torch_mimicry.modules.regularizers import lecam_penalty
from torch_mimicry.training.context import TrainingContext
from torch_mimicry.training.discriminator_plugins import DiscriminatorPluginComponent


def make_lecam(lecam: Union[None, bool, float, "LeCam"]) -> Optional["LeCamRegularization"]:
    """``Trainer(lecam=...)``: None, a weight (float), True (default weight) or a ``LeCam`` object."""
    if lecam is None or lecam is False:
        return None
    if isinstance(lecam, LeCam):
        return LeCamRegularization(lecam)
    if lecam is True:
        return LeCamRegularization(LeCam())
    if isinstance(lecam, (int, float)):
        return LeCamRegularization(LeCam(weight=float(lecam)))
    raise ValueError(f"lecam must be None, True, a weight (e.g. 0.3) or a LeCam object; got {lecam!r}.")


class LeCam(DiscriminatorPlugin):
    """The LeCam regulariser, a plugin of ``DiscriminatorHooks`` (``Trainer(lecam=...)`` registers it).

    Args:
        weight (float): lambda (0.3, the authors' CIFAR-10 BigGAN setting).
        decay (float): decay of the anchors' moving averages (0.99).
        ema_start (int): generator step from which the anchors average (1000).
        one_sided (bool): the released code's ReLU form (True) or the paper's squares (False).

    State (``state_dict``): the two anchors. Logged: ``errD_LC`` (``weight * R_LC``) and the anchors.
    """

    name = "lecam"

    def __init__(self, weight: float = 0.3, decay: float = 0.99, ema_start: int = 1000, one_sided: bool = True) -> None:
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            raise ValueError(f"weight must be a number >= 0, got {weight!r}.")
        if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 <= decay < 1:
            raise ValueError(f"decay must be a number in [0, 1), got {decay!r}.")
        if isinstance(ema_start, bool) or not isinstance(ema_start, int) or ema_start < 0:
            raise ValueError(f"ema_start must be an int >= 0 (a generator step), got {ema_start!r}.")
        self.weight, self.decay = float(weight), float(decay)
        self.ema_start, self.one_sided = ema_start, bool(one_sided)
        self.anchor_real: Optional[float] = None
        self.anchor_fake: Optional[float] = None
        self._outputs: Dict[str, List[torch.Tensor]] = {"real": [], "fake": []}
        self.last_value: Optional[float] = None
        #: ``f(mean) -> mean`` over the processes of a distributed run.
        self.reduce_mean: Optional[Callable[[torch.Tensor], torch.Tensor]] = None
        #: ``f() -> float``: the factor the discriminator's gradients are scaled by (float16).
        self.grad_scale: Optional[Callable[[], float]] = None

    def required_kinds(self, phase: str) -> Set[str]:
        """The discriminator's step must see the real batch and generated images."""
        return {"real", "fake"} if phase == "D" else set()

    def _update_anchor(self, kind: str, mean: float, global_step: int) -> None:
        old = self.anchor_real if kind == "real" else self.anchor_fake
        new = mean if (old is None or global_step < self.ema_start) else self.decay * old + (1.0 - self.decay) * mean
        if kind == "real":
            self.anchor_real = new
        else:
            self.anchor_fake = new

    def output_gradient(self, logits: torch.Tensor, kind: str) -> torch.Tensor:
        """``dR_LC / dlogits`` for the outputs of one call of ``kind`` ('real' or 'fake'), at the
        current anchors; zeros when the anchor it needs is not set yet."""
        n = logits.numel()
        if kind == "real":
            if self.anchor_fake is None:
                return torch.zeros_like(logits)
            gap = logits - self.anchor_fake
            gap = gap.clamp(min=0) if self.one_sided else gap
            return 2.0 * gap / n
        if self.anchor_real is None:
            return torch.zeros_like(logits)
        gap = self.anchor_real - logits
        gap = gap.clamp(min=0) if self.one_sided else gap
        return -2.0 * gap / n

    def observe(self, logits: torch.Tensor, call: DiscriminatorCall) -> None:
        if call.phase != "D":
            return
        for kind in ("real", "fake"):
            part = call.select(logits, kind)
            if part is None:
                continue
            detached = part.detach()
            mean = detached.float().mean()
            if self.reduce_mean is not None:
                mean = self.reduce_mean(mean)
            self._update_anchor(kind, float(mean), call.global_step)
            self._outputs[kind].append(detached)
            if self.weight > 0 and logits.requires_grad:
                rows = None if call.kind == kind else call.mask(kind, logits.device)
                logits.register_hook(self._gradient_hook(detached, kind, rows))

    def _gradient_hook(self, outputs: torch.Tensor, kind: str,
                       rows: Optional[torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
        def add_gradient(grad: torch.Tensor) -> torch.Tensor:
            scale = self.grad_scale() if self.grad_scale is not None else 1.0
            extra = (scale * self.weight) * self.output_gradient(outputs.float(), kind).to(grad.dtype)
            if rows is None:
                return grad + extra
            grad = grad.clone()
            grad[rows] += extra
            return grad
        return add_gradient

    def start_step(self, phase: str, global_step: int) -> None:
        self._outputs = {"real": [], "fake": []}

    def end_step(self, phase: str, global_step: int) -> None:
        if phase != "D":
            return
        real, fake = self._outputs["real"], self._outputs["fake"]
        if real and fake and self.anchor_real is not None and self.anchor_fake is not None:
            self.last_value = self.weight * float(lecam_penalty(torch.cat([r.flatten() for r in real]),
                                                                torch.cat([f.flatten() for f in fake]),
                                                                self.anchor_real, self.anchor_fake,
                                                                one_sided=self.one_sided))
        self._outputs = {"real": [], "fake": []}

    # -- state --------------------------------------------------------------------------------------
    def hparams(self) -> Dict[str, object]:
        """The settings, as recorded in the run's params.json."""
        return {"weight": self.weight, "decay": self.decay, "ema_start": self.ema_start, "one_sided": self.one_sided}

    def state_dict(self) -> Dict[str, Optional[float]]:
        """The state that changes during training (saved in the checkpoints)."""
        return {"anchor_real": self.anchor_real, "anchor_fake": self.anchor_fake}

    def load_state_dict(self, state: Optional[Dict[str, Optional[float]]]) -> None:
        """Restores a ``state_dict()``."""
        if state is None:
            return
        self.anchor_real = None if state["anchor_real"] is None else float(state["anchor_real"])
        self.anchor_fake = None if state["anchor_fake"] is None else float(state["anchor_fake"])

    def metrics(self) -> Dict[str, float]:
        """Values to log, ``{name: float}``."""
        values: Dict[str, float] = {}
        if self.last_value is not None:
            values["errD_LC"] = self.last_value
        if self.anchor_real is not None and self.anchor_fake is not None:
            values["lecam_anchor_real"], values["lecam_anchor_fake"] = self.anchor_real, self.anchor_fake
        return values


class LeCamRegularization(DiscriminatorPluginComponent):
    """``Trainer(lecam=...)``: registers a :class:`LeCam` into the Trainer's discriminator hooks,
    averages its anchors over the processes of a distributed run and scales its gradient like a
    float16 loss; logs ``errD_LC`` after each discriminator step.

    Args:
        lecam (LeCam): the regulariser.
    """

    def __init__(self, lecam: LeCam) -> None:
        super().__init__(lecam, name="lecam", log_group="lecam", log_phase="D")
        self.lecam = lecam

    def setup(self, context: TrainingContext) -> None:
        self.register(context)
        precision = context.precision
        self.lecam.grad_scale = lambda: precision.grad_scale("D")
        if context.strategy.active:
            self.lecam.reduce_mean = context.strategy.mean
