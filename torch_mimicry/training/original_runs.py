"""Resuming in a log directory where torch-mimicry 0.1.16 started the run.

0.1.16 wrote ``params.json`` with the keys ``log_dir, num_steps, batch_size, n_dis, lr_decay,
optD, optG, save_steps`` (the optimizers as their ``repr``) and checkpoints
``checkpoints/{netG,netD}/net*_<step>_steps.pth`` (which ``restore_checkpoint`` converts). The
Trainer resumes such a run from its latest checkpoint after comparing what that file records
with the run's settings: the batch size, ``n_dis``, ``lr_decay`` and each optimizer's class and
hyperparameters must be the same; ``num_steps``, ``save_steps`` and the folder's own path may
change. The file is then rewritten in this library's format.
"""
import re
from typing import Any, Dict, List, Mapping, Tuple

__all__ = ["is_original_params", "original_params_changes"]

#: Optimizer hyperparameters compared with those an 0.1.16 ``repr`` lists.
_OPTIMIZER_KEYS = ("lr", "betas", "eps", "weight_decay", "amsgrad", "momentum", "dampening", "nesterov", "alpha",
                   "centered")


def is_original_params(saved: Any) -> bool:
    """True for the ``params.json`` content of a run started by torch-mimicry 0.1.16."""
    return isinstance(saved, dict) and isinstance(saved.get("optD"), str) and "netD" not in saved


def _optimizer_repr_fields(text: str) -> Tuple[str, Dict[str, str]]:
    """``(class name, {key: value string})`` from an optimizer's ``repr``."""
    name = text.split("(", 1)[0].strip()
    fields = dict(re.findall(r"^\s+(\w+): (.*)$", text, flags=re.M))
    return name, fields


def original_params_changes(saved: Mapping[str, Any], params: Mapping[str, Any]) -> List[str]:
    """Descriptions of the settings that differ from those recorded by 0.1.16 (empty if none).

    Args:
        saved (dict): the 0.1.16 ``params.json`` content.
        params (dict): the Trainer's hyperparameters (``Trainer.params``; optimizers as
            ``{'class', 'lr', 'betas', ...}``).
    """
    changes = []
    for key in ("batch_size", "n_dis"):
        if key in saved and saved[key] != params.get(key):
            changes.append(f"'{key}' was {saved[key]!r} in the saved run and is {params.get(key)!r} now")
    old_decay = None if saved.get("lr_decay") in (None, "None") else saved.get("lr_decay")
    if "lr_decay" in saved and old_decay != params.get("lr_decay"):
        changes.append(f"'lr_decay' was {saved['lr_decay']!r} in the saved run and is {params.get('lr_decay')!r} now")
    for key in ("optD", "optG"):
        name, fields = _optimizer_repr_fields(saved.get(key, ""))
        now = params.get(key) or {}
        if name and name != now.get("class"):
            changes.append(f"'{key}' was {name} in the saved run and is {now.get('class')} now")
            continue
        for field in _OPTIMIZER_KEYS:
            if field in fields and field in now:
                value = tuple(now[field]) if isinstance(now[field], list) else now[field]
                if fields[field] != str(value):
                    changes.append(f"'{key}.{field}' was {fields[field]} in the saved run and is {value} now")
    return changes
