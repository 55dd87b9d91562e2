"""Loading checkpoints written by torch-mimicry 0.1.16 into this library's networks.

``BaseModel.restore_checkpoint`` passes every state dict through
:func:`convert_original_state_dict` before loading it. The conversion is guided by the
receiving network's own state dict, so it only touches keys that would not load as they are:

* **renamed layers**: a network lists them in ``original_key_map`` (``{old prefix: new
  prefix}``, e.g. the 48 px discriminators' ``{'l5': 'l6'}``);
* **buffered spectral norm**: 0.1.16's own ``SNConv2d`` / ``SNLinear`` / ``SNEmbedding`` classes
  (``torch_mimicry.modules.spectral_norm``, which ``torch_mimicry.modules.SNLinear`` & co. named
  in that release) stored ``<layer>.weight``, ``<layer>.sn_u`` ``[1, out]`` and
  ``<layer>.sn_sigma``; a layer that here uses PyTorch's hook-based spectral norm
  (``weight_orig``, ``weight_u``, ``weight_v``) receives the converted values;
* **scalar parameters** stored 0-d where the network's parameter has shape ``[1]`` (SAGAN's
  attention ``gamma``).

Keys that already fit the network are left alone, so a network built with the buffered
classes loads its checkpoints unchanged, and this library's own checkpoints pass through.
"""
from typing import Any, Dict, Iterable, Mapping, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["rename_keys", "convert_buffered_spectral_norm", "convert_original_state_dict"]


def rename_keys(state_dict: Mapping[str, Any], mapping: Mapping[str, str]) -> Dict[str, Any]:
    """Returns a copy of ``state_dict`` with key prefixes renamed by ``mapping`` ({old: new}).

    A key is renamed when it equals ``old`` or starts with ``old + '.'``; other keys are kept.
    """
    out: Dict[str, Any] = {}
    for key, value in state_dict.items():
        for old, new in mapping.items():
            if key == old or key.startswith(old + "."):
                key = new + key[len(old):]
                break
        out[key] = value
    return out


def convert_buffered_spectral_norm(state_dict: Mapping[str, Any],
                                   prefixes: Optional[Iterable[str]] = None) -> Dict[str, Any]:
    """Converts layers saved in the buffered spectral-norm layout (``<p>.weight``, ``<p>.sn_u``
    ``[1, out]``, ``<p>.sn_sigma``) to the hook-based one (``<p>.weight_orig``, ``<p>.weight_u``
    ``[out]``, ``<p>.weight_v`` ``[in * kh * kw]``).

    The buffered layers ran one power iteration from the stored ``u`` at every forward pass,
    also in eval mode (where the result was not stored). The conversion runs that iteration
    once, so eval-mode outputs are the same; in training mode the layer is then one power
    iteration ahead of where the buffered one would be.

    Args:
        state_dict (dict): the state dict to convert (not modified).
        prefixes (iterable of str): layers to convert; default every layer with ``sn_u``.

    Returns:
        dict: a new state dict.
    """
    if prefixes is None:
        prefixes = [k[:-len(".sn_u")] for k in state_dict if k.endswith(".sn_u")]
    layers = [p for p in prefixes if f"{p}.sn_u" in state_dict and f"{p}.weight" in state_dict]
    if not layers:
        return dict(state_dict)
    skip = {f"{p}.{name}" for p in layers for name in ("weight", "sn_u", "sn_sigma")}
    out = {k: v for k, v in state_dict.items() if k not in skip}
    for p in layers:
        weight = state_dict[f"{p}.weight"]
        w = weight.reshape(weight.shape[0], -1).double()
        u = state_dict[f"{p}.sn_u"].reshape(1, -1).double()
        v = F.normalize(u @ w, dim=1, eps=1e-12)
        u = F.normalize(v @ w.t(), dim=1, eps=1e-12)
        out[f"{p}.weight_orig"] = weight
        out[f"{p}.weight_u"] = u[0].to(weight.dtype)
        out[f"{p}.weight_v"] = v[0].to(weight.dtype)
    return out


def convert_original_state_dict(model: nn.Module, state_dict: Mapping[str, Any]) -> Dict[str, Any]:
    """Maps a torch-mimicry 0.1.16 state dict onto ``model``'s keys (see the module docstring).

    Args:
        model (nn.Module): the receiving network; its ``original_key_map`` (if any) renames layers.
        state_dict (dict): as saved by 0.1.16 (or by this library: then returned unchanged).

    Returns:
        dict: a state dict for ``model.load_state_dict``.
    """
    mapping = getattr(model, "original_key_map", None) or {}
    own = model.state_dict()
    if mapping:
        # Only rename where the old name does not exist in the model (a checkpoint of this
        # library already uses the new names).
        mapping = {old: new for old, new in mapping.items()
                   if not any(k == old or k.startswith(old + ".") for k in own)}
        state_dict = rename_keys(state_dict, mapping)
    buffered = [k[:-len(".sn_u")] for k in state_dict if k.endswith(".sn_u")]
    hooked = [p for p in buffered if f"{p}.weight_orig" in own and f"{p}.sn_u" not in own]
    state_dict = convert_buffered_spectral_norm(state_dict, hooked) if hooked else dict(state_dict)
    for key, value in state_dict.items():
        target = own.get(key)
        if (isinstance(value, torch.Tensor) and isinstance(target, torch.Tensor) and value.dim() == 0
                and tuple(target.shape) == (1,)):
            state_dict[key] = value.reshape(1)
    return state_dict
