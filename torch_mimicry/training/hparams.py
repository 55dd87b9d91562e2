"""A training run's hyperparameters: what ``params.json`` records and which may change on resume."""
import json
import os
from typing import TYPE_CHECKING, Any, Dict, Iterable, Mapping, Set

import torch
import torch.nn as nn

from torch_mimicry.training import original_runs
from torch_mimicry.training.components import TrainerComponent
from torch_mimicry.utils import run_layout
from torch_mimicry.utils.io import StrPath

if TYPE_CHECKING:  # the Trainer imports this module
    from torch_mimicry.training.trainer import Trainer

PARAMS_FILE = run_layout.PARAMS_FILE

#: Hyperparameters that may change when a run is resumed (a researcher extends a run or
#: changes how often it logs); every other recorded hyperparameter must match. Components add
#: their own (``<component>.<key>``, see ``TrainerComponent.mutable_hparams``).
MUTABLE_HPARAMS = ("num_steps", "print_steps", "vis_steps", "log_steps", "save_steps", "flush_secs",
                   "keep_last", "device", "channels_last", "compile", "compile_status", "log_dir")

#: Components that may be added to, removed from or changed in a resumed run.
OPTIONAL_COMPONENTS = ("distributed", "precision", "evaluator", "progress")

_OPTIMIZER_KEYS = ("betas", "eps", "weight_decay", "momentum", "dampening", "nesterov", "amsgrad", "alpha",
                   "centered")
_NETWORK_KEYS = ("nz", "ngf", "ndf", "bottom_width", "loss_type", "num_classes")


def json_value(value: Any) -> Any:
    """``value`` with tuples as lists, one-element tensors as numbers and other objects as strings."""
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [json_value(v) for v in value]
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def flatten(params: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """``{'optD': {'lr': 1}}`` -> ``{'optD.lr': 1}``."""
    flat: Dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def optimizer_hparams(opt: torch.optim.Optimizer) -> Dict[str, Any]:
    """Class, initial learning rate and the other settings of an optimizer's first group."""
    group = opt.param_groups[0]
    hp: Dict[str, Any] = {"class": type(opt).__name__, "lr": group.get("initial_lr", group["lr"])}
    hp.update({k: json_value(group[k]) for k in _OPTIMIZER_KEYS if k in group})
    return hp


def network_hparams(net: nn.Module) -> Dict[str, Any]:
    """Class, parameter count and the width / loss attributes of a network."""
    hp: Dict[str, Any] = {"class": type(net).__name__, "num_params": sum(p.numel() for p in net.parameters())}
    hp.update({k: json_value(getattr(net, k)) for k in _NETWORK_KEYS if hasattr(net, k)})
    return hp


def run_hyperparameters(trainer: "Trainer") -> Dict[str, Any]:
    """The hyperparameters of ``trainer``'s run, with each component's under its name."""
    dataset: Any = getattr(trainer.user_dataloader, "dataset", None)
    try:
        dataset_size = len(dataset) if dataset is not None else None
    except TypeError:
        dataset_size = None
    params: Dict[str, Any] = {
        "log_dir": trainer.log_dir,
        "num_steps": trainer.num_steps,
        "n_dis": trainer.n_dis,
        "lr_decay": trainer.lr_decay,
        "batch_size": getattr(trainer.user_dataloader, "batch_size", None),
        "dataset": type(dataset).__name__ if dataset is not None else None,
        "dataset_size": dataset_size,
        "optD": optimizer_hparams(trainer.optD),
        "optG": optimizer_hparams(trainer.optG),
        "netD": network_hparams(trainer.netD),
        "netG": network_hparams(trainer.netG),
        "seed": trainer.seed,
        "print_steps": trainer.print_steps,
        "vis_steps": trainer.vis_steps,
        "log_steps": trainer.log_steps,
        "save_steps": trainer.save_steps,
        "flush_secs": trainer.flush_secs,
        "keep_last": trainer.keep_last,
        "device": str(trainer.device),
        "channels_last": trainer.channels_last,
        "compile": trainer.compile,
    }
    params[trainer.strategy.name] = trainer.strategy.hparams()
    params[trainer.precision.name] = trainer.precision.hparams()
    for component in trainer.components:
        params[str(component.name)] = component.hparams()  # every component has a name (the Trainer checks)
    return params


def mutable_keys(components: Iterable[TrainerComponent]) -> Set[str]:
    """Flattened keys (or key prefixes) that may change when a run resumes."""
    keys = set(MUTABLE_HPARAMS) | set(OPTIONAL_COMPONENTS)
    for component in components:
        keys.update(f"{component.name}.{k}" for k in component.mutable_hparams)
    return keys


def check_resume_consistency(path: StrPath, params: Mapping[str, Any], components: Iterable[TrainerComponent],
                             log_dir: StrPath) -> None:
    """Refuses to resume a run whose ``params.json`` at ``path`` differs from ``params``.

    Raises:
        ValueError: naming every changed hyperparameter with its saved and new value.
    """
    if not os.path.isfile(path):
        return
    with open(path) as f:
        try:
            saved = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path} is not valid JSON ({e}); restore it or use a new log_dir.") from e
    if original_runs.is_original_params(saved):  # a run started by torch-mimicry 0.1.16
        changed = original_runs.original_params_changes(saved, json_value(params))
    else:
        saved, current = flatten(saved), flatten(json_value(params))
        mutable = mutable_keys(components)
        changed = []
        for key in sorted(set(saved) | set(current)):
            if key in mutable or any(key.startswith(m + ".") for m in mutable):
                continue
            old, new = saved.get(key), current.get(key)
            if old != new:
                changed.append(f"'{key}' was {old!r} in the saved run and is {new!r} now")
    if changed:
        raise ValueError(f"Cannot resume the run in {log_dir!r}: hyperparameters changed ("
                         + "; ".join(changed) + "). Only num_steps, the logging and saving intervals, amp, "
                         "compile, the number of processes and the evaluation settings may change when "
                         "resuming; restore the other values or train in a new log_dir.")
