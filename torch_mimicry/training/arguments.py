"""The Trainer's arguments checked before anything is built: a wrong value is a clear
``TypeError`` / ``ValueError`` / ``FileNotFoundError`` naming it, never a traceback at step 1."""
import os
from typing import Any, Callable, Iterable, Optional, Sized, cast

import torch

from torch_mimicry.training.ema import check_ema_args
from torch_mimicry.training.precision import resolve_amp
from torch_mimicry.utils.io import StrPath

__all__ = ["check_positive_int", "check_interval", "check_trainer_arguments", "normalise_lr_decay", "num_batches",
           "accepts_keyword"]

#: The intervals of the Trainer (in generator steps); ``float('inf')`` means never.
INTERVALS = ("print_steps", "vis_steps", "log_steps", "save_steps")


def check_positive_int(name: str, value: object, allow_none: bool = False) -> None:
    """Raises ValueError unless ``value`` is a positive int (or None when allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def check_interval(name: str, value: object) -> None:
    """A positive integer, or ``float('inf')`` for "never" (as in torch-mimicry 0.1.16)."""
    if value != float("inf"):
        check_positive_int(name, value)


def normalise_lr_decay(lr_decay: Optional[str]) -> Optional[str]:
    """``None`` or ``'linear'`` (the string ``'None'`` of a command line is None)."""
    if lr_decay == "None":
        lr_decay = None
    if lr_decay not in (None, "linear"):
        raise ValueError(f"Unknown lr_decay {lr_decay!r}: expected None or 'linear'.")
    return lr_decay


def num_batches(dataloader: Iterable[Any]) -> Optional[int]:
    """``len(dataloader)``, None for an iterable without a length; ValueError when it is 0."""
    try:
        n: Optional[int] = len(cast(Sized, dataloader))
    except TypeError:
        return None
    if n == 0:
        raise ValueError("The dataloader yields no batches: check the dataset's size and the batch size "
                         "(with drop_last=True a dataset smaller than one batch yields none).")
    return n


def accepts_keyword(fn: Callable[..., Any], name: str) -> bool:
    """True when calling ``fn`` with keyword ``name`` is allowed (named or ``**kwargs``)."""
    import inspect
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind is p.VAR_KEYWORD or p.name == name for p in params)


def check_trainer_arguments(netD: Any, netG: Any, optD: Any, optG: Any, num_steps: Any, n_dis: Any,
                            intervals: Any, flush_secs: Any, keep_last: Any, seed: Any, ema_decay: Any,
                            ema_start: Any, amp: Any, compile: Any, components: Iterable[Any],
                            netG_ckpt_file: Optional[StrPath], netD_ckpt_file: Optional[StrPath]) -> None:
    """Every check of the Trainer's arguments that needs nothing built (``intervals``: a dict
    ``{name: value}`` of :data:`INTERVALS`)."""
    for name, net in (("netD", netD), ("netG", netG)):
        if not isinstance(net, torch.nn.Module) or not callable(getattr(net, "train_step", None)):
            raise TypeError(f"{name} must be a torch_mimicry network (an nn.Module with a train_step method), "
                            f"got {type(net).__name__}.")
    for name, opt in (("optD", optD), ("optG", optG)):
        if not isinstance(opt, torch.optim.Optimizer):
            raise TypeError(f"{name} must be a torch.optim.Optimizer, got {type(opt).__name__}.")
    check_positive_int("num_steps", num_steps)
    check_positive_int("n_dis", n_dis)
    for name, value in intervals.items():
        check_interval(name, value)
    check_positive_int("flush_secs", flush_secs)
    check_positive_int("keep_last", keep_last, allow_none=True)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"seed must be an int or None, got {seed!r}.")
    check_ema_args(ema_decay, ema_start)
    resolve_amp(amp, "cpu")
    if not isinstance(compile, (bool, dict)):
        raise ValueError(f"compile must be True, False or a dict of torch.compile options; got {compile!r}.")
    for component in components:
        if not hasattr(component, "step_context") or not getattr(component, "name", None):
            raise TypeError(f"components must be TrainerComponent objects with a name; got "
                            f"{type(component).__name__}.")
    for name, path in (("netG_ckpt_file", netG_ckpt_file), ("netD_ckpt_file", netD_ckpt_file)):
        if path is not None and not os.path.isfile(path):
            raise FileNotFoundError(f"{name}: no checkpoint file at {path!r}.")
    if (netG_ckpt_file is None) != (netD_ckpt_file is None):
        raise ValueError("Give both netG_ckpt_file and netD_ckpt_file to resume from files, or neither.")
