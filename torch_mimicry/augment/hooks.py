"""Reaching every image the discriminator sees, without editing the discriminator or its train_step.

While a training step runs inside ``with hooks.step(phase, real_batch):``, every call of
``netD`` -- ``netD(x)``, ``netD.forward(x)``, and ``self.forward(x)`` inside the
discriminator's own ``train_step`` (as the tutorial and torch-mimicry 0.1.16's families write
it), on reals, on fakes, on rotated or interpolated images, in the discriminator's step and in
the generator's step -- goes through the registered *plugins*:

1. ``plugin.on_input(x, call) -> x`` for each plugin in order (augmentations);
2. the discriminator runs on the result;
3. ``plugin.on_output(logits, call) -> logits`` in reverse order (e.g. PA-GAN's label flips);
4. ``plugin.observe(logits, call)`` for each plugin (ADA's r_t, LeCam's anchors).

Forward hooks fire on ``netD(x)`` but not on ``netD.forward(x)``, so for the duration of a step
the hooks also replace the ``forward`` of ``netD`` and ``netG`` (an attribute of the instance,
removed when the step ends: nothing of it is left in a state dict, a copy or a checkpoint).
A call through ``netD(x)`` is handled once, by the forward hooks (which run before any hook a
user registers later, so those see what the discriminator sees); a direct ``forward`` call by
the replaced method. The generator's outputs, by ``netG(z)`` or by ``self.forward(z)`` (0.1.16's
``generate_images``), are recorded as the step's fakes.

``x`` is the first positional argument of ``netD`` (images ``[N, C, H, W]``); other arguments
(labels of a conditional discriminator) pass unchanged. ``logits`` is the output, or the first
element of a tuple / list output (the real/fake logits of SSGAN's ``(logits, rotation logits)``).

``call`` (a :class:`DiscriminatorCall`) says which step it belongs to (``phase`` 'D' or 'G')
and which rows of the input are what (``segments``): rows of the real batch given to ``step``
(the images a ``train_step`` receives, or a copy of them: ``.detach()``, ``.clone()``, a moved
or re-laid-out tensor with the same values), rows of an output of ``netG`` produced during the
step, or other images (rotated, interpolated). ``kind`` sums it up: ``'real'``, ``'fake'``,
``'mixed'`` (a concatenation, e.g. ``torch.cat([real, fake])``) or ``'other'``.

Plugins may say what a step needs (``required_kinds(phase)``, e.g. ``{'real'}`` in the
discriminator's step). A step in which the discriminator never saw what a plugin needs is an
error (:class:`InterceptionError`), raised when the step's optimizer is stepped (before the
weights change) or at the end of the step: never silence. Outside ``step`` the hooks do nothing.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

import torch
import torch.nn as nn

__all__ = ["DiscriminatorCall", "DiscriminatorHooks", "DiscriminatorPlugin", "InterceptionError", "KINDS"]

PHASES = ("D", "G")

#: Kinds of rows in a discriminator input.
KINDS = ("real", "fake", "other")

#: ``(start, stop, kind)``: rows ``start:stop`` of a discriminator input are of ``kind``.
Segment = Tuple[int, int, str]


class InterceptionError(RuntimeError):
    """A training step in which the discriminator never saw images a plugin needs."""


class DiscriminatorCall:
    """One call of the discriminator during a training step.

    Attributes:
        phase (str): 'D' (discriminator step) or 'G' (generator step).
        kind (str): 'real', 'fake', 'mixed' or 'other' (see the module docstring).
        global_step (int): the trainer's global step (generator steps done so far).
        batch_size (int): images in this call.
        segments (list): ``(start, stop, kind)`` row ranges, kind in :data:`KINDS`; by default the
            whole batch is of ``kind`` (none for 'other').
        data (dict): scratch space of the plugins for this call (e.g. PA-GAN's bits).
    """

    __slots__ = ("phase", "kind", "global_step", "batch_size", "segments", "data")

    def __init__(self, phase: str, kind: str, global_step: int, batch_size: int,
                 segments: Optional[Sequence[Segment]] = None) -> None:
        self.phase, self.global_step, self.batch_size = phase, global_step, batch_size
        if segments is None:
            segments = [(0, batch_size, kind)] if kind in KINDS else []
        self.segments: List[Segment] = list(segments)
        self.kind = kind
        self.data: Dict[str, Any] = {}

    def rows(self, kind: str) -> List[slice]:
        """The row ranges of ``kind`` ('real', 'fake' or 'other'), as slices."""
        return [slice(start, stop) for start, stop, k in self.segments if k == kind]

    def select(self, tensor: torch.Tensor, kind: str) -> Optional[torch.Tensor]:
        """The rows of ``kind`` of ``tensor`` (e.g. the logits ``[N, 1]`` of this call), or None."""
        parts = [tensor[s] for s in self.rows(kind)]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else torch.cat(parts)

    def mask(self, kind: str, device: Any = None) -> torch.Tensor:
        """``[batch_size]`` booleans: True on the rows of ``kind``."""
        m = torch.zeros(self.batch_size, dtype=torch.bool, device=device)
        for s in self.rows(kind):
            m[s] = True
        return m

    def __repr__(self) -> str:
        return (f"DiscriminatorCall(phase={self.phase!r}, kind={self.kind!r}, global_step={self.global_step}, "
                f"batch_size={self.batch_size})")


class DiscriminatorPlugin:
    """What a plugin of ``DiscriminatorHooks`` may implement; every method defaults to nothing."""

    def bind(self, hooks: DiscriminatorHooks) -> None:
        """Called once when the plugin is added to ``hooks`` (a ``DiscriminatorHooks``)."""

    def unbind(self, hooks: DiscriminatorHooks) -> None:
        """Called when the plugin or the hooks are removed."""

    def start_step(self, phase: str, global_step: int) -> None:
        """Before a training step of ``phase`` ('D' or 'G')."""

    def end_step(self, phase: str, global_step: int) -> None:
        """After a training step of ``phase``."""

    def required_kinds(self, phase: str) -> Set[str]:
        """Kinds of images ('real', 'fake') the discriminator must see in a step of ``phase``."""
        return set()

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


def _same_tensor(a: torch.Tensor, b: torch.Tensor) -> bool:
    """The same values: the same tensor, a view of the same memory, or a copy (another dtype,
    memory layout or autograd history)."""
    if a is b:
        return True
    if a.shape != b.shape or a.device != b.device:
        return False
    if a.numel() and a.dtype == b.dtype and a.data_ptr() == b.data_ptr() and a.stride() == b.stride():
        return True
    with torch.no_grad():
        return bool(torch.equal(a, b if b.dtype == a.dtype else b.to(a.dtype)))


def _kind_of(segments: Sequence[Segment]) -> str:
    kinds = {k for _, _, k in segments}
    if len(kinds) == 1 and "other" not in kinds:
        return next(iter(kinds))
    return "mixed" if kinds & {"real", "fake"} else "other"


class DiscriminatorHooks:
    """Runs ``plugins`` on every discriminator call inside ``step`` (see the module docstring).

    Args:
        netD (nn.Module): the discriminator.
        netG (nn.Module): the generator, whose outputs mark inputs as fakes (optional).
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
        self._seen: Set[str] = set()
        self._by_hooks: List[bool] = []  # per netD(x) call in progress: handled by the forward hooks?
        self._pass_forward = 0
        self._handles: List[Any] = []
        self._removed = False
        for plugin in plugins:
            self.add(plugin)

    # ------------------------------------------------------------------------------------------
    def add(self, plugin: Any) -> Any:
        """Appends a plugin (its ``bind(self)`` is called) and returns it."""
        self.plugins.append(plugin)
        self._removed = False
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
        """Detaches every plugin (their ``unbind``); later steps run the networks untouched."""
        for plugin in self.plugins:
            unbind = getattr(plugin, "unbind", None)
            if unbind is not None:
                unbind(self)
        self._removed = True

    @property
    def active(self) -> bool:
        """True inside ``step``."""
        return self._phase is not None

    @property
    def current_call(self) -> Optional[DiscriminatorCall]:
        """The ``DiscriminatorCall`` whose forward pass is running (None outside one)."""
        return self._calls[-1] if self._calls else None

    # ------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def step(self, phase: str, real_batch: Optional[Sequence[Any]], global_step: int = 0,
             optimizer: Optional[torch.optim.Optimizer] = None) -> Iterator[DiscriminatorHooks]:
        """Context of one training step: the hooks act on every discriminator call inside it.

        Entered again for the same step (another user of these hooks), it does nothing more.

        Args:
            phase (str): 'D' or 'G'.
            real_batch: ``(images, labels)`` as the ``train_step`` receives them, or None.
            global_step (int): the trainer's global step.
            optimizer (Optimizer): the step's optimizer; the plugins' requirements are checked
                when it steps, before the weights change.

        Raises:
            InterceptionError: the discriminator never saw what a plugin requires in this step.
        """
        if phase not in PHASES:
            raise ValueError(f"phase must be 'D' or 'G', got {phase!r}.")
        real_images = real_batch[0] if real_batch is not None else None
        if self._phase is not None:  # entered again by another user for the same step
            if phase != self._phase or real_images is not self._real_images:
                raise RuntimeError("DiscriminatorHooks.step: a step of another phase or batch is already running.")
            yield self
            return
        if self._removed or not self.plugins:
            yield self
            return
        self._phase, self._global_step, self._depth, self._pass_forward = phase, int(global_step), 0, 0
        self._by_hooks = []
        self._real_images = real_images if isinstance(real_images, torch.Tensor) else None
        self._fakes, self._calls, self._seen = [], [], set()
        self._install(optimizer)
        try:
            for plugin in self.plugins:
                getattr(plugin, "start_step", lambda *a: None)(phase, self._global_step)
            yield self
            self.check_requirements("at the end of the step")
            for plugin in self.plugins:
                getattr(plugin, "end_step", lambda *a: None)(phase, self._global_step)
        finally:
            self._uninstall()
            self._phase, self._real_images, self._fakes, self._calls = None, None, [], []

    def required(self, phase: str) -> Dict[str, List[str]]:
        """``{kind: [plugin names]}``: what the plugins need the discriminator to see in ``phase``."""
        needs: Dict[str, List[str]] = {}
        for plugin in self.plugins:
            kinds = getattr(plugin, "required_kinds", None)
            for kind in (kinds(phase) if kinds is not None else ()):
                needs.setdefault(kind, []).append(getattr(plugin, "name", None) or type(plugin).__name__)
        return needs

    def check_requirements(self, when: str) -> None:
        """Raises InterceptionError when the discriminator has not yet seen, in the running step,
        the kinds of images the plugins require."""
        if self._phase is None:
            return
        missing = {k: names for k, names in self.required(self._phase).items() if k not in self._seen}
        if not missing:
            return
        step = "discriminator" if self._phase == "D" else "generator"
        seen = ", ".join(sorted(self._seen)) or "none"
        what = "; ".join(f"{', '.join(names)} need{'s' if len(names) == 1 else ''} the {kind} images"
                         for kind, names in missing.items())
        raise InterceptionError(
            f"In the {step} step of global step {self._global_step + 1}, {type(self.netD).__name__} was never "
            f"called on {' or '.join(f'the {k} images' for k in missing)} ({when}; kinds of images it saw: {seen}). "
            f"{what}. The real images are the tensor the train_step receives in real_batch (or a copy of it, or a "
            "concatenation starting with whole batches); fakes are outputs of the generator made in the step. Call "
            "netD(images) or self.forward(images) on them, not on a slice or a transformed copy. Nothing was "
            "updated.")

    # ------------------------------------------------------------------------------------------
    def _install(self, optimizer: Optional[torch.optim.Optimizer]) -> None:
        netD = self.netD
        self._handles = [
            netD.register_forward_pre_hook(self._d_pre_hook, with_kwargs=True, prepend=True),
            netD.register_forward_hook(self._d_hook, with_kwargs=True, prepend=True),
        ]
        self._replace_forward(netD, self._d_forward)
        if self.netG is not None:
            self._replace_forward(self.netG, self._g_forward)
        if optimizer is not None:
            self._handles.append(optimizer.register_step_pre_hook(
                lambda opt, args, kwargs: self.check_requirements("when its optimizer stepped")))

    def _replace_forward(self, net: nn.Module, through: Callable[..., Any]) -> None:
        inner = net.forward  # the class's forward (or one a user set on the instance)
        had_own = "forward" in net.__dict__

        def forward(*args: Any, **kwargs: Any) -> Any:
            return through(inner, *args, **kwargs)

        net.__dict__["forward"] = forward
        self._handles.append(_RestoreForward(net, forward, inner if had_own else None))

    def _uninstall(self) -> None:
        for handle in reversed(self._handles):
            handle.remove()
        self._handles = []

    # ------------------------------------------------------------------------------------------
    def _segments(self, x: torch.Tensor) -> List[Segment]:
        sources: List[Tuple[str, torch.Tensor]] = []
        if self._real_images is not None:
            sources.append(("real", self._real_images))
        sources += [("fake", f) for f in self._fakes]
        n = x.shape[0]
        for kind, source in sources:  # the whole input
            if _same_tensor(x, source):
                return [(0, n, kind)]
        segments: List[Segment] = []
        start = 0
        while start < n:  # a concatenation of whole batches
            for kind, source in sources:
                stop = start + source.shape[0]
                if 0 < source.shape[0] < n and stop <= n and _same_tensor(x[start:stop], source):
                    segments.append((start, stop, kind))
                    start = stop
                    break
            else:
                break
        if start < n:
            segments.append((start, n, "other"))
        return segments

    def _begin_call(self, x: torch.Tensor) -> Tuple[torch.Tensor, DiscriminatorCall]:
        assert self._phase is not None
        segments = self._segments(x)
        call = DiscriminatorCall(self._phase, _kind_of(segments), self._global_step, x.shape[0], segments)
        self._seen.update(k for _, _, k in segments if k != "other")
        self._calls.append(call)
        for plugin in self.plugins:
            on_input = getattr(plugin, "on_input", None)
            if on_input is not None:
                x = on_input(x, call)
        return x, call

    def _end_call(self, output: Any) -> Any:
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

    # netD(x): the pre-hook and the hook handle the call; the replaced forward lets it through
    def _d_pre_hook(self, module: nn.Module, args: Tuple[Any, ...],
                    kwargs: Dict[str, Any]) -> Optional[Tuple[Tuple[Any, ...], Dict[str, Any]]]:
        if self._phase is None:
            return None
        if self._depth:  # a call inside a call being handled: passes through
            self._by_hooks.append(False)
            return None
        x, _ = self._begin_call(_image_argument(args))
        self._by_hooks.append(True)
        self._pass_forward += 1
        self._depth += 1
        return (x,) + tuple(args[1:]), kwargs

    def _d_hook(self, module: nn.Module, args: Tuple[Any, ...], kwargs: Dict[str, Any], output: Any) -> Any:
        if self._phase is None or not self._by_hooks or not self._by_hooks.pop():
            return None
        self._depth -= 1
        return self._end_call(output)

    # netD.forward(x) / self.forward(x)
    def _d_forward(self, inner: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._pass_forward:  # the forward of a netD(x) call the pre-hook handled
            self._pass_forward -= 1
            return inner(*args, **kwargs)
        if self._phase is None or self._depth:
            return inner(*args, **kwargs)
        x, _ = self._begin_call(_image_argument(args))
        self._depth += 1
        try:
            output = inner(x, *args[1:], **kwargs)
        finally:
            self._depth -= 1
        return self._end_call(output)

    def _g_forward(self, inner: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        output = inner(*args, **kwargs)
        if self._phase is not None and isinstance(output, torch.Tensor):
            self._fakes.append(output)
        return output


class _RestoreForward:
    """Handle that takes a replaced ``forward`` off a network again."""

    def __init__(self, net: nn.Module, replacement: Callable[..., Any], previous: Optional[Callable[..., Any]]) -> None:
        self.net, self.replacement, self.previous = net, replacement, previous

    def remove(self) -> None:
        if self.net.__dict__.get("forward") is self.replacement:
            if self.previous is None:
                del self.net.__dict__["forward"]
            else:
                self.net.__dict__["forward"] = self.previous
