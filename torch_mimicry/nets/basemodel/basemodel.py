"""BaseModel: checkpointing, parameter counting and device lookup for every network."""
from __future__ import annotations

import copy
import functools
import inspect
import os
import pickle
import zipfile
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import torch
import torch.nn as nn

from torch_mimicry.modules.spectral_norm import converge_spectral_norms
from torch_mimicry.nets.basemodel.original_checkpoints import convert_original_state_dict
from torch_mimicry.utils.io import StrPath, atomic_torch_save
from torch_mimicry.utils.run_layout import checkpoint_file_name


class MissingCheckpointPath(ValueError, TypeError):
    """No checkpoint file was given (a ``ValueError`` as in torch-mimicry 0.1.16, and a ``TypeError``)."""


class CheckpointError(RuntimeError):
    """A checkpoint file exists but cannot be read (truncated, corrupt, or not a checkpoint)."""


def load_checkpoint_file(ckpt_file: StrPath) -> Dict[str, Any]:
    """Loads a checkpoint dict safely (``weights_only=True``, mapped to the CPU).

    Raises:
        FileNotFoundError: no file at ``ckpt_file``.
        CheckpointError: the file is truncated, corrupt, or holds something other than a dict.
    """
    ckpt_file = os.fspath(ckpt_file)
    if not os.path.isfile(ckpt_file):
        raise FileNotFoundError(f"No checkpoint file at {ckpt_file!r}.")
    try:
        ckpt = torch.load(ckpt_file, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile, pickle.UnpicklingError) as e:
        raise CheckpointError(
            f"Checkpoint {ckpt_file!r} cannot be read ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); "
            "it is truncated or corrupt, or it holds objects other than tensors and plain data.") from e
    if not isinstance(ckpt, dict) or "model_state_dict" not in ckpt:
        raise CheckpointError(f"{ckpt_file!r} is not a model checkpoint: expected a dict with a 'model_state_dict' key.")
    return ckpt


#: Optimizer state entries that have their parameter's shape (torch.optim's Adam family, SGD,
#: RMSprop, Adagrad, Adadelta, Adamax, ASGD, Rprop).
_PARAM_SHAPED_STATE = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "exp_inf", "momentum_buffer", "square_avg",
                       "grad_avg", "acc_delta", "sum", "ax", "prev", "step_size")

#: Hyperparameter names that tell optimizer classes apart (Adam: betas; SGD: momentum; ...).
_CLASS_KEYS = {"betas", "momentum", "rho", "lr_decay", "alpha", "lambd", "etas", "step_sizes"}


def _optimizer_state_mismatch(optimizer: torch.optim.Optimizer) -> Optional[str]:
    """The first state tensor whose shape differs from its parameter's, as words; None when all fit.

    torch does not compare shapes when loading an optimizer state; the next step would fail.
    """
    for group_index, group in enumerate(optimizer.param_groups):
        for param_index, p in enumerate(group["params"]):
            for key, value in optimizer.state.get(p, {}).items():
                if key in _PARAM_SHAPED_STATE and isinstance(value, torch.Tensor) and value.shape != p.shape:
                    return (f"its {key!r} of parameter {param_index} in group {group_index} has shape "
                            f"{tuple(value.shape)} but that parameter has shape {tuple(p.shape)}")
    return None


def _load_optimizer_state(optimizer: torch.optim.Optimizer, state: Any, ckpt_file: str, model_name: str) -> None:
    """``optimizer.load_state_dict(state)``, refusing (and leaving ``optimizer`` as it was) a state
    that does not fit the optimizer's parameters."""
    before = copy.deepcopy(optimizer.state_dict())
    fix = (f"The optimizer must be built as when the checkpoint was saved (same class, over "
           f"{model_name}.parameters() in the same groups); or restore the weights alone (optimizer=None).")
    saved_groups = state.get("param_groups") if isinstance(state, dict) else None
    if not saved_groups or not isinstance(saved_groups[0], dict):
        raise CheckpointError(f"The optimizer state in {ckpt_file!r} is not an optimizer state dict "
                              "(no 'param_groups').")
    saved_kind = set(saved_groups[0]) & _CLASS_KEYS
    current_kind = set(optimizer.param_groups[0]) & _CLASS_KEYS
    if saved_kind != current_kind:
        raise CheckpointError(f"The optimizer state in {ckpt_file!r} was saved by another kind of optimizer (its "
                              f"hyperparameters {sorted(saved_kind)}, the given {type(optimizer).__name__}'s "
                              f"{sorted(current_kind)}). {fix}")
    try:
        optimizer.load_state_dict(state)
    except (ValueError, KeyError, TypeError, RuntimeError, IndexError) as e:
        optimizer.load_state_dict(before)
        raise CheckpointError(f"The optimizer state in {ckpt_file!r} does not fit the given "
                              f"{type(optimizer).__name__} ({type(e).__name__}: {e}). {fix}") from e
    mismatch = _optimizer_state_mismatch(optimizer)
    if mismatch is not None:
        optimizer.load_state_dict(before)
        raise CheckpointError(f"The optimizer state in {ckpt_file!r} does not fit the parameters of the given "
                              f"{type(optimizer).__name__}: {mismatch}. {fix}")


def _bound_arguments(init: Callable[..., None], obj: object, args: Tuple[Any, ...],
                     kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """``{name: value}`` of a constructor call (``**kwargs`` merged in; ``*args`` kept as ``'*args'``)."""
    try:
        bound = inspect.signature(init).bind(obj, *args, **kwargs)
    except (TypeError, ValueError):
        return dict(kwargs)
    out: Dict[str, Any] = {}
    for i, (name, value) in enumerate(bound.arguments.items()):
        kind = bound.signature.parameters[name].kind
        if i == 0:
            continue  # self
        if kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                out["*args"] = list(value)
        else:
            out[name] = value
    return out


def _converging_init(cls: type, init: Callable[..., None]) -> Callable[..., None]:
    """``init`` followed, when it is the constructor of the object's own class (the outermost
    ``__init__``), by a record of its arguments (:meth:`BaseModel.constructor_arguments`) and
    the convergence of the object's spectral-norm estimates."""

    @functools.wraps(init)
    def __init__(self: nn.Module, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if type(self).__init__ is __init__:
            self.__dict__["_constructor_arguments"] = _bound_arguments(init, self, args, kwargs)
            converge_spectral_norms(self)

    return __init__


class BaseModel(nn.Module):
    """Base class of every network: saving and restoring checkpoints, counting parameters.

    A checkpoint is a dict ``{'model_state_dict', 'optimizer_state_dict', 'global_step',
    'model_class'}`` written atomically (temporary file, then rename), so a file on disk is
    either complete or absent. Checkpoints written by torch-mimicry 0.1.16 load too (see
    ``torch_mimicry.nets.basemodel.original_checkpoints``).

    When the ``__init__`` of the network's own class returns (after its layers were built and
    their weights initialised), the singular-vector estimates of its spectrally normalised
    layers are converged (:func:`~torch_mimicry.modules.spectral_norm.converge_spectral_norms`),
    so a freshly built network gives proper outputs in eval mode too.

    Args:
        scaler: kept as the ``scaler`` attribute (the gradient scaler argument of 0.1.16's
            constructor); the Trainer passes its scaler to ``train_step`` instead.
    """

    #: ``{old prefix: new prefix}`` of layers that torch-mimicry 0.1.16 named differently.
    original_key_map: Dict[str, str] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            setattr(cls, "__init__", _converging_init(cls, init))

    def __init__(self, scaler: Optional[Any] = None) -> None:
        super().__init__()
        self.scaler = scaler

    @property
    def device(self) -> torch.device:
        """The device of the model's first parameter (or buffer); CPU for an empty model."""
        for parameter in self.parameters():
            return parameter.device
        for buffer in self.buffers():
            return buffer.device
        return torch.device("cpu")

    def constructor_arguments(self) -> Dict[str, Any]:
        """The arguments the network was built with, by name (``{'ngf': 64}`` for
        ``SNGANGenerator32(ngf=64)``; defaults not given are not listed). A copy."""
        return copy.deepcopy(self.__dict__.get("_constructor_arguments", {}))

    def save_pretrained(self, out_dir: StrPath, **kwargs: Any) -> str:
        """Writes the network as a self-describing folder: weights as safetensors, ``mimicry.json``
        (class, constructor arguments, SHA-256 of the weights) and a model card ``README.md``.

        The same as :func:`torch_mimicry.hub.save_pretrained` with this network (its keyword
        arguments: ``netD``, ``params``, ``records``, ``samples``, ...); returns ``out_dir``.
        """
        from torch_mimicry.hub.publish import save_pretrained
        return save_pretrained(self, out_dir, **kwargs)

    def push_to_hub(self, repo_id: str, **kwargs: Any) -> Dict[str, Any]:
        """:meth:`save_pretrained` into a Hugging Face Hub repository (:func:`torch_mimicry.hub.push_to_hub`);
        returns the commit, the repository and the files' SHA-256."""
        from torch_mimicry.hub.publish import push_to_hub
        return push_to_hub(self, repo_id, **kwargs)

    @classmethod
    def from_pretrained(cls, source: StrPath, **kwargs: Any) -> "BaseModel":
        """A network of a folder or Hub repository written by :meth:`save_pretrained`
        (:func:`torch_mimicry.hub.from_pretrained`): ``SNGANGenerator32.from_pretrained('out')``
        builds this class; ``BaseModel.from_pretrained('out')`` the library class the folder names.
        Reads safetensors and JSON only, each file checked against its SHA-256."""
        from torch_mimicry.hub.publish import from_pretrained
        return from_pretrained(source, cls=None if cls is BaseModel else cls, **kwargs)

    def count_params(self) -> Tuple[int, int]:
        """Returns ``(num_total, num_trainable)`` parameter counts."""
        num_total = sum(p.numel() for p in self.parameters())
        num_trainable = sum(p.numel() for p in self.parameters() if p.requires_grad)
        return num_total, num_trainable

    def save_checkpoint(self, directory: StrPath, global_step: int, optimizer: Optional[torch.optim.Optimizer] = None,
                        name: Optional[str] = None) -> str:
        """Saves model (and optimizer) state to ``directory/name`` and returns the file's path.

        Args:
            directory (str): folder, created if missing.
            global_step (int): the training step the state belongs to.
            optimizer (Optimizer): optional, its state is saved too.
            name (str): file name, default ``'<folder name>_<global_step>_steps.pth'`` (e.g.
                ``netG_1000_steps.pth`` in a folder ``netG``), as torch-mimicry 0.1.16 named it.
        """
        if name is None:
            folder = os.path.basename(os.path.normpath(os.fspath(directory)))
            name = checkpoint_file_name(folder, global_step)
        path = os.path.join(directory, name)
        ckpt = {
            "model_state_dict": self.state_dict(),
            "optimizer_state_dict": optimizer.state_dict() if optimizer is not None else None,
            "global_step": int(global_step),
            "model_class": type(self).__name__,
        }
        atomic_torch_save(ckpt, path, what=f"{type(self).__name__} checkpoint of step {int(global_step)}")
        return path

    @staticmethod
    def backward_and_step(loss: torch.Tensor, optimizer: torch.optim.Optimizer,
                          scaler: Optional["torch.amp.GradScaler"] = None) -> None:
        """Backpropagates ``loss`` and steps ``optimizer``; through ``scaler`` when one is given.

        With a ``torch.amp.GradScaler`` (mixed precision in float16, passed by the Trainer to
        ``train_step`` as the ``scaler`` keyword) the loss is scaled before the backward pass,
        the step is taken through the scaler (skipped when the gradients overflowed) and the
        scale is updated.
        """
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()

    def convert_state_dict(self, state_dict: Mapping[str, Any]) -> Mapping[str, Any]:
        """Maps a state dict from another layout to this model's keys before it is loaded.

        The default converts what torch-mimicry 0.1.16 saved differently (layers renamed in
        ``original_key_map``, buffered spectral norm, 0-d scalars) and leaves everything else
        unchanged; override it for layouts of your own.
        """
        return convert_original_state_dict(self, state_dict)

    def restore_checkpoint(self, ckpt_file: StrPath, optimizer: Optional[torch.optim.Optimizer] = None) -> int:
        """Restores model (and optimizer) state from ``ckpt_file``; returns its global step.

        Loads with ``weights_only=True`` (a checkpoint is data and cannot run code) and maps
        tensors to the model's device.

        Raises:
            ValueError: ``ckpt_file`` is None (as torch-mimicry 0.1.16; also a ``TypeError``).
        """
        if ckpt_file is None:
            raise MissingCheckpointPath("restore_checkpoint needs a checkpoint file (ckpt_file), got None.")
        ckpt = load_checkpoint_file(ckpt_file)
        state_dict = self.convert_state_dict(ckpt["model_state_dict"])
        try:
            self.load_state_dict(state_dict)
        except RuntimeError as e:
            raise CheckpointError(
                f"Checkpoint {os.fspath(ckpt_file)!r} does not fit {type(self).__name__} "
                f"(saved from {ckpt.get('model_class', 'an unknown class')}): {e}") from e
        if optimizer is not None:
            if ckpt.get("optimizer_state_dict") is None:
                raise CheckpointError(f"Checkpoint {os.fspath(ckpt_file)!r} holds no optimizer state to restore.")
            _load_optimizer_state(optimizer, ckpt["optimizer_state_dict"], os.fspath(ckpt_file), type(self).__name__)
        return int(ckpt.get("global_step", 0))
