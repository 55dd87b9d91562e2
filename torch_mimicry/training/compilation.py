"""``Trainer(compile=True | dict)``: the networks' ``forward`` run through ``torch.compile``.

What is compiled is each network's own ``forward`` (the class's method, bound to the network),
installed as the network's ``forward`` (:class:`CompiledForward`): ``train_step``, ``state_dict``,
parameter names and checkpoints are those of the uncompiled network, and everything around the
forward pass stays eager, where it cannot be compiled:

* **spectral normalisation**: PyTorch's spectral norm updates its singular vectors in place at
  every training-mode call; inside a compiled graph that in-place update invalidates what the
  backward of an earlier call of the same step saved (the discriminator runs on reals and on
  fakes). The normalisation hooks therefore run eagerly before each compiled call (the same
  power iteration, the same normalised weights), and the compiled graph takes the normalised
  weights as inputs; their gradients flow back to the weights through eager autograd.
* **double backward** (the gradient penalties of WGAN-GP, R1 / R2): ``aot_autograd`` cannot
  differentiate its backward again, so a call on images that are a leaf requiring a gradient
  (the ``x.detach().requires_grad_(True)`` of a penalty) runs eagerly.
* the Trainer's discriminator hooks (augmentations, LeCam) wrap the network's ``forward`` from
  outside for each step, so they run eagerly too.

Where this Python or PyTorch build cannot compile at all, a warning says so before training
starts and the run is eager. A network whose compiled forward or backward still fails in the
first iteration is named in a warning with the reason, and that iteration is run again
uncompiled from the same state (:meth:`Compilation.first_iteration`), never a traceback in the
middle of training and never a silent change. ``Compilation.status`` (recorded in
``params.json`` under ``compile_status``) says what was compiled.
"""
from __future__ import annotations

import contextlib
import copy
import importlib
import warnings
from collections import OrderedDict
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, cast

import torch
import torch.nn as nn

__all__ = ["CompiledForward", "Compilation", "compile_supported", "state_snapshot", "restore_snapshot"]

_HookSpectralNorm = importlib.import_module("torch.nn.utils.spectral_norm").SpectralNorm


def compile_supported() -> bool:
    """True when ``torch.compile`` works with this Python and PyTorch build."""
    try:
        import torch._dynamo as dynamo
        return bool(dynamo.is_dynamo_supported())
    except Exception:  # noqa: BLE001  (no dynamo at all)
        return False


def _spectral_norm_hooks(net: nn.Module) -> List[Tuple[nn.Module, int, Any]]:
    """``(layer, key, hook)`` of every hook-based spectral norm of ``net``."""
    found = []
    for layer in net.modules():
        for key, hook in layer._forward_pre_hooks.items():
            if isinstance(hook, _HookSpectralNorm):
                found.append((layer, key, hook))
    return found


class CompiledForward:
    """A network's ``forward`` run compiled, with spectral normalisation eager (module docstring).

    Args:
        net (nn.Module): the network; ``net.forward`` is replaced by this object (:meth:`install`).
        options (dict): ``torch.compile`` options (``mode``, ``backend``, ``dynamic``, ...).
    """

    def __init__(self, net: nn.Module, options: Optional[Dict[str, Any]] = None) -> None:
        self.net = net
        self.options = dict(options or {})
        self.eager: Callable[..., Any] = type(net).forward.__get__(net)
        self.compiled: Callable[..., Any] = torch.compile(self.eager, **self.options)
        self.hooks = _spectral_norm_hooks(net)
        self.enabled = True

    def install(self) -> "CompiledForward":
        """Makes this the network's ``forward`` (an attribute of the instance)."""
        self.net.__dict__["forward"] = self
        return self

    def uninstall(self) -> None:
        """Gives the network its class's ``forward`` back."""
        if self.net.__dict__.get("forward") is self:
            del self.net.__dict__["forward"]

    @contextlib.contextmanager
    def _normalised_outside(self) -> Iterator[None]:
        """Runs the spectral-norm hooks now and takes them off the layers for the compiled call."""
        for layer, key, hook in self.hooks:
            hook(layer, None)  # one power iteration in training mode; sets layer.weight
            del layer._forward_pre_hooks[key]
        try:
            yield
        finally:
            for layer, key, hook in self.hooks:
                hooks = cast("OrderedDict[int, Any]", layer._forward_pre_hooks)
                hooks[key] = hook
                hooks.move_to_end(key, last=False)  # first again, where spectral_norm put it

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        x = args[0] if args else None
        if not self.enabled or (isinstance(x, torch.Tensor) and x.requires_grad and x.is_leaf):
            return self.eager(*args, **kwargs)  # a gradient penalty's input: differentiated twice
        with self._normalised_outside():
            return self.compiled(*args, **kwargs)

    def __deepcopy__(self, memo: Dict[int, Any]) -> Any:
        """A copy of the network (e.g. an EMA generator) runs its class's forward, uncompiled."""
        copied = memo.get(id(self.net))
        if copied is None:
            return None
        return type(copied).forward.__get__(copied)


class Compilation:
    """The Trainer's ``compile=``: which networks run compiled, and the fallback of the first iteration.

    Args:
        options (dict): ``torch.compile`` options; ``{}`` for ``compile=True``.
    """

    def __init__(self, options: Dict[str, Any]) -> None:
        self.options = dict(options)
        self.forwards: Dict[str, CompiledForward] = {}
        self.status: Dict[str, str] = {}

    def setup(self, networks: Dict[str, nn.Module]) -> None:
        """Installs a compiled forward on each network (``{'netD': ..., 'netG': ...}``), or warns
        and leaves them eager where ``torch.compile`` is not supported."""
        if not compile_supported():
            warnings.warn("compile=True: torch.compile is not supported with this Python or PyTorch build; training "
                          "runs without it.")
            self.status = {name: "eager: torch.compile is not supported here" for name in networks}
            return
        for name, net in networks.items():
            if name not in self.forwards:
                self.forwards[name] = CompiledForward(net, self.options).install()
                self.status[name] = "compiled"

    def disable(self, name: str, reason: str) -> None:
        """Runs network ``name`` uncompiled from now on, with a warning naming the reason."""
        forward = self.forwards.get(name)
        if forward is None or not forward.enabled:
            return
        forward.enabled = False
        forward.uninstall()
        self.status[name] = f"eager: {reason}"
        warnings.warn(f"compile=True: {type(forward.net).__name__} ({name}) cannot be trained compiled ({reason}); "
                      "it trains uncompiled.")

    def close(self) -> None:
        """Takes the compiled forwards off the networks."""
        for forward in self.forwards.values():
            forward.uninstall()
        self.forwards = {}

    def first_iteration(self, run: Callable[[], Any], snapshot: Callable[[], Any],
                        restore: Callable[[Any], None]) -> Any:
        """Runs the first training iteration; if it fails while networks run compiled, restores
        the state taken before it and runs it again with one network after the other uncompiled
        (the discriminator first), warning which and why. An iteration that fails uncompiled too
        raises its own error.

        Args:
            run (callable): the iteration.
            snapshot (callable): the state to go back to (networks, optimizers, RNG, data).
            restore (callable): ``restore(snapshot())``.
        """
        compiled = [name for name, f in self.forwards.items() if f.enabled]
        if not compiled:
            return run()
        state = snapshot()
        candidates: Sequence[str] = sorted(compiled, key=lambda n: n != "netD")
        for name in candidates:
            try:
                return run()
            except Exception as e:  # noqa: BLE001  (retried uncompiled below, or re-raised)
                if not _may_be_compilation(e):
                    raise
                reason = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
                restore(state)
                self.disable(name, reason)
        return run()


def _may_be_compilation(error: BaseException) -> bool:
    """True for errors a compiled graph can cause (dynamo / inductor failures, autograd errors);
    False for the library's own refusals, which an uncompiled run would give alike."""
    from torch_mimicry.augment.hooks import InterceptionError
    if isinstance(error, (InterceptionError, FloatingPointError, ValueError, TypeError)):
        return False
    try:
        from torch._dynamo.exc import TorchDynamoException
        if isinstance(error, TorchDynamoException):
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(error, (RuntimeError, NotImplementedError, AssertionError))


def state_snapshot(modules: Sequence[nn.Module], optimizers: Sequence[torch.optim.Optimizer]) -> Dict[str, Any]:
    """Copies of the modules' and optimizers' states (for :meth:`Compilation.first_iteration`)."""
    return {"modules": [copy.deepcopy(m.state_dict()) for m in modules],
            "optimizers": [copy.deepcopy(o.state_dict()) for o in optimizers]}


def restore_snapshot(snapshot: Dict[str, Any], modules: Sequence[nn.Module],
                     optimizers: Sequence[torch.optim.Optimizer]) -> None:
    """Puts a :func:`state_snapshot` back."""
    for m, state in zip(modules, snapshot["modules"]):
        m.load_state_dict(state)
        for p in m.parameters():
            p.grad = None
    for o, state in zip(optimizers, snapshot["optimizers"]):
        o.load_state_dict(state)
