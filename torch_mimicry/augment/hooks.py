"""Reaching every image the discriminator sees, without editing the discriminator or its train_step.

``DiscriminatorHooks`` puts a forward pre-hook and a forward hook on ``netD`` (and a forward hook
on ``netG``). While a training step runs inside ``with hooks.step(phase, real_batch):``, every
call of ``netD`` -- on reals, on fakes, on rotated or interpolated images, in the discriminator's
step and in the generator's step, by a library family or by a user's own ``train_step`` -- goes
through the registered *plugins*:

1. ``plugin.on_input(x, call) -> x`` for each plugin in order (augmentations);
2. the discriminator runs on the result;
3. ``plugin.on_output(logits, call) -> logits`` in reverse order (e.g. PA-GAN's label flips);
4. ``plugin.observe(logits, call)`` for each plugin (ADA's r_t, LeCam's anchors).

``x`` is the first positional argument of ``netD`` (images ``[N, C, H, W]``); other arguments
(labels of a conditional discriminator) pass unchanged. ``logits`` is the output, or the first
element of a tuple / list output (the real/fake logits of SSGAN's ``(logits, rotation logits)``).

``call`` (a ``DiscriminatorCall``) says which step it belongs to (``phase`` 'D' or 'G') and what
the input is (``kind``): ``'real'`` when it *is* the real batch's image tensor given to
``step`` (the object a ``train_step`` receives), ``'fake'`` when it is an output of ``netG``
produced during the step, ``'other'`` otherwise (rotated or interpolated images, or one
concatenation of reals and fakes, which cannot be split). Outside ``step`` the hooks do nothing.
"""
from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

__all__ = ["DiscriminatorCall", "DiscriminatorHooks", "DiscriminatorPlugin"]

PHASES = ("D", "G")


class DiscriminatorCall:
    """One call of the discriminator during a training step.

    Attributes:
        phase (str): 'D' (discriminator step) or 'G' (generator step).
        kind (str): 'real', 'fake' or 'other' (see the module docstring).
        global_step (int): the trainer's global step (generator steps done so far).
        batch_size (int): images in this call.
        data (dict): scratch space of the plugins for this call (e.g. PA-GAN's bits).
    """

    __slots__ = ("phase", "kind", "global_step", "batch_size", "data")

    def __init__(self, phase: str, kind: str, global_step: int, batch_size: int) -> None:
        self.phase, self.kind, self.global_step, self.batch_size = phase, kind, global_step, batch_size
        self.data: Dict[str, Any] = {}

    def __repr__(self) -> str:
        return (f"DiscriminatorCall(phase={self.phase!r}, kind={self.kind!r}, global_step={self.global_step}, "
                f"batch_size={self.batch_size})")


class DiscriminatorPlugin:
    """What a plugin of ``DiscriminatorHooks`` may implement; every method defaults to nothing."""

    def bind(self, hooks: DiscriminatorHooks) -> None:
        """Called once when the plugin is added to ``hooks`` (a ``DiscriminatorHooks``)."""

    def unbind(self, hooks: DiscriminatorHooks) -> None:
        """Called when the hooks are removed."""

    def start_step(self, phase: str, global_step: int) -> None:
        """Before a training step of ``phase`` ('D' or 'G')."""

    def end_step(self, phase: str, global_step: int) -> None:
        """After a training step of ``phase``."""

    def on_input(self, x: torch.Tensor, call: DiscriminatorCall) -> torch.Tensor:
        """The discriminator's input images ``x`` -> the images it will see."""
        return x

    def on_output(self, logits: torch.Tensor, call: DiscriminatorCall) -> torch.Tensor:
        """The discriminator's real/fake logits -> the logits the loss will see."""
        return logits

    def observe(self, logits: torch.Tensor, call: DiscriminatorCall) -> None:
        """Sees the final logits (with their autograd graph)."""


def _image_argument(args: Sequence[Any]) -> torch.Tensor:
    if args and isinstance(args[0], torch.Tensor):
        return args[0]
    raise TypeError("The discriminator hooks expect the images as the first positional argument of netD "
                    f"(a tensor [N, C, H, W]); got {type(args[0]).__name__ if args else 'no positional argument'}.")


class DiscriminatorHooks:
    """Forward hooks on ``netD`` (and ``netG``) that run ``plugins`` on every discriminator call
    inside ``step``. See the module docstring.

    Args:
        netD (nn.Module): the discriminator.
        netG (nn.Module): the generator, whose outputs mark inputs of kind 'fake' (optional).
        plugins (iterable): objects with the methods of ``DiscriminatorPlugin``.
    """

    def __init__(self, netD: nn.Module, netG: Optional[nn.Module] = None, plugins: Iterable[Any] = ()) -> None:
        self.netD, self.netG = netD, netG
        self.plugins: List[Any] = []
        self._phase: Optional[str] = None
        self._depth = 0
        self._global_step = 0
        self._real_images: Optional[torch.Tensor] = None
        self._fakes: List[torch.Tensor] = []
        self._calls: List[DiscriminatorCall] = []
        self._handles = [
            netD.register_forward_pre_hook(self._d_pre_hook, with_kwargs=True),
            netD.register_forward_hook(self._d_hook, with_kwargs=True),
        ]
        if netG is not None:
            self._handles.append(netG.register_forward_hook(self._g_hook))
        for plugin in plugins:
            self.add(plugin)

    # ------------------------------------------------------------------------------------------
    def add(self, plugin: Any) -> Any:
        """Appends a plugin (its ``bind(self)`` is called) and returns it."""
        self.plugins.append(plugin)
        bind = getattr(plugin, "bind", None)
        if bind is not None:
            bind(self)
        return plugin

    def discard(self, plugin: Any) -> bool:
        """Removes one plugin (its ``unbind(self)`` is called); True when none is left."""
        if plugin in self.plugins:
            self.plugins.remove(plugin)
            unbind = getattr(plugin, "unbind", None)
            if unbind is not None:
                unbind(self)
        return not self.plugins

    def remove(self) -> None:
        """Removes every hook from the networks (and calls the plugins' ``unbind``)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        for plugin in self.plugins:
            unbind = getattr(plugin, "unbind", None)
            if unbind is not None:
                unbind(self)

    @property
    def active(self) -> bool:
        """True inside ``step``."""
        return self._phase is not None

    @property
    def current_call(self) -> Optional[DiscriminatorCall]:
        """The ``DiscriminatorCall`` whose forward pass is running (None outside one)."""
        return self._calls[-1] if self._calls else None

    @contextlib.contextmanager
    def step(self, phase: str, real_batch: Optional[Sequence[Any]],
             global_step: int = 0) -> Iterator[DiscriminatorHooks]:
        """Context of one training step: the hooks act on every discriminator call inside it.

        Several users of one ``DiscriminatorHooks`` (the Trainer's augmentation and LeCam) may
        each enter it for the same step; the plugins' ``start_step`` / ``end_step`` run once.

        Args:
            phase (str): 'D' or 'G'.
            real_batch: ``(images, labels)`` exactly as the ``train_step`` receives them (the
                images tensor identifies calls on the real batch), or None.
            global_step (int): the trainer's global step.
        """
        if phase not in PHASES:
            raise ValueError(f"phase must be 'D' or 'G', got {phase!r}.")
        real_images = real_batch[0] if real_batch is not None else None
        if self._phase is not None:  # entered again by another component for the same step
            if phase != self._phase or real_images is not self._real_images:
                raise RuntimeError("DiscriminatorHooks.step: a step of another phase or batch is already running.")
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._phase, self._global_step, self._depth = phase, int(global_step), 1
        self._real_images = real_images
        self._fakes, self._calls = [], []
        try:
            for plugin in self.plugins:
                getattr(plugin, "start_step", lambda *a: None)(phase, self._global_step)
            yield self
            for plugin in self.plugins:
                getattr(plugin, "end_step", lambda *a: None)(phase, self._global_step)
        finally:
            self._phase, self._real_images, self._fakes, self._calls, self._depth = None, None, [], [], 0

    # ------------------------------------------------------------------------------------------
    def _kind(self, x: torch.Tensor) -> str:
        if self._real_images is not None and x is self._real_images:
            return "real"
        if any(x is fake for fake in self._fakes):
            return "fake"
        return "other"

    def _g_hook(self, module: nn.Module, args: Tuple[Any, ...], output: Any) -> None:
        if self._phase is not None and isinstance(output, torch.Tensor):
            self._fakes.append(output)

    def _d_pre_hook(self, module: nn.Module, args: Tuple[Any, ...],
                    kwargs: Dict[str, Any]) -> Optional[Tuple[Tuple[Any, ...], Dict[str, Any]]]:
        if self._phase is None:
            return None
        x = _image_argument(args)
        call = DiscriminatorCall(self._phase, self._kind(x), self._global_step, x.shape[0])
        self._calls.append(call)
        for plugin in self.plugins:
            on_input = getattr(plugin, "on_input", None)
            if on_input is not None:
                x = on_input(x, call)
        return (x,) + tuple(args[1:]), kwargs

    def _d_hook(self, module: nn.Module, args: Tuple[Any, ...], kwargs: Dict[str, Any], output: Any) -> Any:
        if self._phase is None or not self._calls:
            return None
        call = self._calls.pop()
        if isinstance(output, torch.Tensor):
            logits, rest, container = output, (), None
        elif isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
            logits, rest, container = output[0], tuple(output[1:]), type(output)
        else:
            raise TypeError("The discriminator hooks expect netD to return its real/fake logits, or a tuple whose "
                            f"first element they are; got {type(output).__name__}.")
        for plugin in reversed(self.plugins):
            on_output = getattr(plugin, "on_output", None)
            if on_output is not None:
                logits = on_output(logits, call)
        for plugin in self.plugins:
            observe = getattr(plugin, "observe", None)
            if observe is not None:
                observe(logits, call)
        if container is None:
            return logits
        if container is list:
            return [logits, *rest]
        return container(logits, *rest) if hasattr(output, "_fields") else container((logits,) + rest)
