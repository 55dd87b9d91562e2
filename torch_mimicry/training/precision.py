"""Mixed-precision training: ``torch.autocast`` around every ``train_step`` and a gradient scaler
for float16.

``Trainer(amp=...)``:

* ``False`` (default): float32 throughout.
* ``True``: as torch-mimicry 0.1.16, float16 autocast with a gradient scaler on CUDA; bfloat16
  autocast on the CPU (where float16 is slow and bfloat16 needs no scaler).
* ``'fp16'`` / ``'bf16'``: that precision explicitly (``'fp16'`` always with a scaler).

Parameters and optimizer states stay float32; only the forward computations inside the
autocast region run in reduced precision. Metrics and image grids never run under it.

Each network gets its own ``torch.amp.GradScaler``, passed to its ``train_step`` as the
``scaler`` keyword (as in 0.1.16): the library's own steps then scale the loss, step through
the scaler and update it (``BaseModel.backward_and_step``). A user's ``train_step`` that ignores
``scaler`` still runs under autocast, with unscaled float16 gradients; a warning says so once
(bfloat16 needs no scaler). A step whose scaled gradients overflow is skipped by the scaler and
its scale halved: a normal event of float16 training, which does not stop training; only
``MAX_CONSECUTIVE_SKIPS`` skipped steps in a row do.
"""
import contextlib
import warnings
from typing import Any, Callable, ContextManager, Dict, Optional, Set, Union

import torch
import torch.nn as nn

#: Accepted values of ``Trainer(amp=...)``.
AMP_MODES = (False, True, "fp16", "bf16")

#: Consecutive generator iterations with a skipped (overflowing) step after which training stops.
MAX_CONSECUTIVE_SKIPS = 25

_DTYPES: Dict[Optional[str], torch.dtype] = {"fp16": torch.float16, "bf16": torch.bfloat16}


def resolve_amp(amp: Union[bool, str, None], device: Union[str, torch.device]) -> Optional[str]:
    """``None`` (float32), ``'fp16'`` or ``'bf16'`` for ``Trainer(amp=amp)`` on ``device``.

    Raises:
        ValueError: ``amp`` is not one of ``AMP_MODES``.
    """
    if isinstance(amp, str):
        amp = amp.lower()
    if amp in (None, False, "none", "fp32", "float32"):
        return None
    if amp is True:
        return "fp16" if torch.device(device).type == "cuda" else "bf16"
    if amp in ("fp16", "float16"):
        return "fp16"
    if amp in ("bf16", "bfloat16"):
        return "bf16"
    raise ValueError(f"amp must be one of False, True, 'fp16' or 'bf16'; got {amp!r}.")


class TrainerGradScaler(torch.amp.GradScaler):
    """``torch.amp.GradScaler`` that records whether a ``train_step`` used it and can run a
    function on an optimizer's gradients before they are unscaled (distributed training
    averages them there, so every rank sees the same gradients and skips the same steps).

    Args:
        device_type (str): ``'cuda'`` or ``'cpu'``.
        before_unscale (callable): ``f(optimizer)``, or None.
    """

    def __init__(self, device_type: str,
                 before_unscale: Optional[Callable[[torch.optim.Optimizer], None]] = None) -> None:
        super().__init__(device_type)
        self.before_unscale = before_unscale
        self.used = False

    def scale(self, outputs: Any) -> Any:  # as GradScaler.scale: a tensor or an iterable of them
        """``outputs`` times the scale factor (and a note that the scaler is in use)."""
        self.used = True
        return super().scale(outputs)

    def unscale_(self, optimizer: torch.optim.Optimizer) -> None:
        """Runs ``before_unscale(optimizer)``, then divides the optimizer's gradients by the scale."""
        if self.before_unscale is not None:
            self.before_unscale(optimizer)
        return super().unscale_(optimizer)


class MixedPrecision:
    """The Trainer's precision plugin: autocast around each ``train_step`` and one gradient
    scaler per network (float16).

    Args:
        amp: ``False``, ``True``, ``'fp16'`` or ``'bf16'`` (see the module docstring).
        device (torch.device): the training device.
    """

    #: Key of :meth:`hparams` in ``params.json`` and of :meth:`state_dict` in the trainer
    #: checkpoint (both may change when a run resumes).
    name = "precision"

    def __init__(self, amp: Union[bool, str], device: Union[str, torch.device]) -> None:
        self.amp = amp
        self.device = torch.device(device)
        self.mode = resolve_amp(amp, self.device)
        self.scalers: Dict[str, TrainerGradScaler] = {}
        self._warned: Set[str] = set()
        self.skipped_in_a_row = 0
        self.skipped_total = 0
        self._scale_before: Dict[str, float] = {}
        self._overflow = False

    @property
    def enabled(self) -> bool:
        """True under mixed precision (not float32)."""
        return self.mode is not None

    @property
    def dtype(self) -> torch.dtype:
        """The autocast dtype (float32 when disabled)."""
        return _DTYPES.get(self.mode, torch.float32)

    def hparams(self) -> Dict[str, Any]:
        """The settings recorded in ``params.json``."""
        return {"amp": self.amp if isinstance(self.amp, (bool, str)) else str(self.amp),
                "dtype": "float32" if self.mode is None else str(self.dtype).replace("torch.", "")}

    def setup(self, before_unscale: Optional[Callable[[torch.optim.Optimizer], None]] = None) -> None:
        """Makes the float16 gradient scalers; ``before_unscale(optimizer)`` runs on an optimizer's
        gradients before they are unscaled (the strategy averages them there)."""
        if self.mode != "fp16" or self.scalers:
            return
        for phase in ("D", "G"):
            self.scalers[phase] = TrainerGradScaler(self.device.type, before_unscale=before_unscale)

    def step_context(self, phase: str) -> ContextManager[Any]:
        """The context of a ``train_step`` of ``phase`` (``'D'`` or ``'G'``): autocast, or nothing."""
        if self.mode is None:
            return contextlib.nullcontext()
        if phase in self.scalers:
            self._scale_before[phase] = self.scalers[phase].get_scale()
            self.scalers[phase].used = False
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def train_step_kwargs(self, phase: str) -> Dict[str, Any]:
        """``{'scaler': ...}`` for a float16 step, else nothing."""
        return {"scaler": self.scalers[phase]} if phase in self.scalers else {}

    def grad_scale(self, phase: str) -> float:
        """The factor the gradients of ``phase``'s step are scaled by while they are computed
        (1 unless a float16 scaler scaled this step's loss)."""
        scaler = self.scalers.get(phase)
        return float(scaler.get_scale()) if scaler is not None and scaler.used else 1.0

    def after_step(self, phase: str, net: nn.Module) -> None:
        """Notes an overflowing float16 step, and warns once when ``net``'s ``train_step`` ignored its scaler."""
        if phase not in self.scalers:
            return
        if self.scalers[phase].get_scale() < self._scale_before[phase]:
            self._overflow = True
        if not self.scalers[phase].used and phase not in self._warned:
            self._warned.add(phase)
            warnings.warn(f"{type(net).__name__}.train_step does not step its optimizer through the `scaler` it is "
                          "given: its float16 gradients are not scaled and may underflow. Use "
                          "BaseModel.backward_and_step(loss, optimizer, scaler) in train_step, or amp='bf16'.")

    def tolerates_non_finite(self) -> bool:
        """True when a scaler skipped an overflowing step in the current iteration: a non-finite
        float16 loss then is an expected event, not a reason to stop."""
        return self._overflow

    def end_iteration(self) -> None:
        """Counts overflowing iterations; call once per generator iteration.

        Raises:
            FloatingPointError: ``MAX_CONSECUTIVE_SKIPS`` iterations in a row overflowed.
        """
        overflow, self._overflow = self._overflow, False
        if not overflow:
            self.skipped_in_a_row = 0
            return
        self.skipped_in_a_row += 1
        self.skipped_total += 1
        if self.skipped_in_a_row >= MAX_CONSECUTIVE_SKIPS:
            raise FloatingPointError(
                f"float16 gradients overflowed in {self.skipped_in_a_row} iterations in a row (loss scale now "
                f"{min(s.get_scale() for s in self.scalers.values()):.3g}): training stopped. Lower the learning "
                "rates, use amp='bf16', or train in float32.")

    def state_dict(self) -> Dict[str, Any]:
        """The scalers' states (saved in the trainer checkpoint)."""
        return {"scalers": {phase: scaler.state_dict() for phase, scaler in self.scalers.items()},
                "skipped_total": self.skipped_total}

    def load_state_dict(self, state: Optional[Dict[str, Any]]) -> None:
        """Restores :meth:`state_dict` (after :meth:`setup`)."""
        for phase, scaler_state in (state or {}).get("scalers", {}).items():
            if phase in self.scalers and scaler_state:
                self.scalers[phase].load_state_dict(scaler_state)
        self.skipped_total = int((state or {}).get("skipped_total", 0))
