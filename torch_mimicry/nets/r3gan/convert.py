"""Official R3GAN weights into this family: the key map, and the authors' network pickles.

The authors' training code (github.com/brownvc/R3GAN) saves ``network-snapshot-<kimg>.pkl``
files, pickled dicts ``{'G', 'D', 'G_ema', 'training_set_kwargs', 'cur_nimg', 'G_opt_state',
'D_opt_state'}`` whose networks are ``training.networks.Generator`` / ``Discriminator`` objects
wrapping an ``R3GAN.Networks.Generator`` / ``Discriminator`` (``Model``). Their state dicts use
the keys

.. code-block:: text

   Model.MainLayers.<stage>.Layers.<k>.LinearLayer1.Layer.weight      (a residual block's 1x1 conv)
   Model.MainLayers.<stage>.Layers.<k>.NonLinearity1.Bias             (its biased LeakyReLU)
   Model.MainLayers.0.Layers.0.Basis / .LinearLayer.weight             (G's 4x4 basis)
   Model.MainLayers.<stage>.Layers.<k>.LinearLayer.Layer.weight       (a resampling layer's 1x1 conv)
   Model.MainLayers.<stage>.Layers.<k>.Resampler.Kernel               (its fixed filter, a buffer)
   Model.MainLayers.<last>.Layers.<n>.Basis.weight / .LinearLayer.weight   (D's head)
   Model.AggregationLayer.Layer.weight, Model.ExtractionLayer.Layer.weight, Model.EmbeddingLayer.weight

:func:`convert_official_state_dict` maps them onto this family's keys (``stages.<i>.blocks.<j>.conv1.weight``,
``stages.<i>.transition...``, ``to_rgb`` / ``from_rgb``, ``embed``); the class embeddings, linear
maps of one-hot labels there, become ``nn.Embedding`` tables (transposed). The fixed resampling
filters are checked to be the ``[1, 2, 1]`` one and dropped. :func:`infer_architecture` reads the
plan (widths, blocks, cardinality, expansion, latent size, classes) from the shapes alone, and
:func:`load_official_pickle` reads a snapshot with the restricted unpickler of
:mod:`torch_mimicry.nets.nvlabs_pickle` (no code from the file runs) and returns this family's
networks with its weights.
"""
from __future__ import annotations

import dataclasses
import os
import re
from typing import Any, Dict, Mapping, Optional, Sequence, Union

import torch

from torch_mimicry.nets.r3gan.layers import lowpass_kernel
from torch_mimicry.nets.r3gan.r3gan_base import PLANS, R3GANDiscriminator, R3GANGenerator, R3GANPlan

__all__ = ["OfficialArchitecture", "OfficialWeightsError", "infer_architecture", "convert_official_state_dict",
           "from_official_state_dict", "load_official_pickle", "OFFICIAL_ROLES"]

#: Snapshot entries that hold networks, and the role of each.
OFFICIAL_ROLES: Dict[str, str] = {"G": "G", "G_ema": "G", "D": "D"}

_BLOCK = {"LinearLayer1.Layer.weight": "conv1.weight", "NonLinearity1.Bias": "act1.bias",
          "LinearLayer2.Layer.weight": "conv2.weight", "NonLinearity2.Bias": "act2.bias",
          "LinearLayer3.Layer.weight": "conv3.weight"}
_LAYER = re.compile(r"^MainLayers\.(\d+)\.Layers\.(\d+)\.(.+)$")


class OfficialWeightsError(ValueError):
    """Official weights that do not describe an R3GAN network this family can build (the message says which key)."""


@dataclasses.dataclass(frozen=True)
class OfficialArchitecture:
    """What an official state dict describes.

    Attributes:
        role (str): ``'G'`` or ``'D'``.
        plan (R3GANPlan): the stages (from the 4x4 one up), named after the preset it equals.
        num_classes (int): 0 when unconditional.
        embed_dim (int): width of the class embedding (0 when unconditional).
        nz (int): the generator's latent size (0 for a discriminator).
    """

    role: str
    plan: R3GANPlan
    num_classes: int
    embed_dim: int
    nz: int


def _strip(state_dict: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Keys without the wrapper's ``Model.`` prefix (a bare ``R3GAN.Networks`` module has none)."""
    keys = list(state_dict)
    if keys and all(k.startswith("Model.") for k in keys):
        return {k[len("Model."):]: v for k, v in state_dict.items()}
    return dict(state_dict)


def _layers(sd: Mapping[str, torch.Tensor]) -> Dict[int, Dict[int, Dict[str, torch.Tensor]]]:
    """``{stage: {layer: {rest of the key: tensor}}}`` of the ``MainLayers`` keys."""
    out: Dict[int, Dict[int, Dict[str, torch.Tensor]]] = {}
    for key, value in sd.items():
        m = _LAYER.match(key)
        if m:
            out.setdefault(int(m.group(1)), {}).setdefault(int(m.group(2)), {})[m.group(3)] = value
    if not out or sorted(out) != list(range(len(out))):
        raise OfficialWeightsError("The state dict has no (or non-consecutive) 'MainLayers.<stage>.Layers.<k>' keys: it "
                                   "is not an R3GAN network's (training.networks / R3GAN.Networks).")
    return out


def _is_block(layer: Mapping[str, torch.Tensor]) -> bool:
    return "LinearLayer1.Layer.weight" in layer


def _need(sd: Mapping[str, torch.Tensor], key: str) -> torch.Tensor:
    if key not in sd:
        raise OfficialWeightsError(f"The official state dict has no {key!r}; it is not an R3GAN network of the "
                                   "authors' code, or it is incomplete.")
    return sd[key]


def _named(plan: R3GANPlan) -> R3GANPlan:
    for name, known in PLANS.items():
        if dataclasses.replace(known, name=plan.name) == plan:
            return dataclasses.replace(plan, name=name)
    return plan


def infer_architecture(state_dict: Mapping[str, torch.Tensor], role: Optional[str] = None) -> OfficialArchitecture:
    """Reads the architecture of an official generator or discriminator from its tensors' shapes.

    Args:
        state_dict (dict): official keys (with or without the ``Model.`` prefix).
        role (str): ``'G'`` or ``'D'``; default: told apart by ``AggregationLayer`` (G) /
            ``ExtractionLayer`` (D).

    Raises:
        OfficialWeightsError: keys or shapes that are not those of an R3GAN network.
    """
    sd = _strip(state_dict)
    if role is None:
        role = "G" if "AggregationLayer.Layer.weight" in sd else "D" if "ExtractionLayer.Layer.weight" in sd else ""
    if role not in ("G", "D"):
        raise OfficialWeightsError("Cannot tell a generator (AggregationLayer) from a discriminator (ExtractionLayer) "
                                   "in this state dict; pass role='G' or 'D'.")
    stages = _layers(sd)
    widths, blocks, cards, expansions = [], [], [], set()
    for i in range(len(stages)):
        layers = stages[i]
        block_ids = [k for k in sorted(layers) if _is_block(layers[k])]
        blocks.append(len(block_ids))
        if block_ids:
            w1 = layers[block_ids[0]]["LinearLayer1.Layer.weight"]
            w2 = layers[block_ids[0]]["LinearLayer2.Layer.weight"]
            hidden, width = int(w1.shape[0]), int(w1.shape[1])
            expansions.add(hidden // width)
            cards.append(hidden // int(w2.shape[1]))
            widths.append(width)
        else:
            raise OfficialWeightsError(f"Stage {i} of the official network has no residual block; this family builds "
                                       "stages of at least one block.")
    if len(expansions) != 1:
        raise OfficialWeightsError(f"The official network's stages expand by different factors {sorted(expansions)}.")
    if role == "D":
        widths, blocks, cards = widths[::-1], blocks[::-1], cards[::-1]
    embedding = sd.get("EmbeddingLayer.weight")
    num_classes = int(embedding.shape[1]) if embedding is not None else 0
    embed_dim = int(embedding.shape[0]) if embedding is not None else 0
    nz = 0
    if role == "G":
        nz = int(_need(sd, "MainLayers.0.Layers.0.LinearLayer.weight").shape[1]) - embed_dim
    plan = _named(R3GANPlan(widths=tuple(widths), blocks=tuple(blocks), cardinality=tuple(cards),
                            expansion=expansions.pop(), nz=nz or 64))
    return OfficialArchitecture(role=role, plan=plan, num_classes=num_classes, embed_dim=embed_dim, nz=nz)


def _check_kernel(key: str, kernel: torch.Tensor) -> None:
    expected = lowpass_kernel()
    if kernel.shape != expected.shape or not torch.allclose(kernel.float().cpu(), expected, atol=1e-6):
        raise OfficialWeightsError(f"{key} is not the [1, 2, 1] low-pass filter this family resamples with "
                                   f"(shape {tuple(kernel.shape)}); the network was trained with another filter.")


def convert_official_state_dict(state_dict: Mapping[str, torch.Tensor], role: Optional[str] = None
                                ) -> Dict[str, torch.Tensor]:
    """Maps an official generator's or discriminator's state dict onto this family's keys.

    Args:
        state_dict (dict): official keys (see the module docstring), with or without ``Model.``.
        role (str): ``'G'`` or ``'D'`` (default: from the keys).

    Returns:
        dict: a state dict for ``R3GANGenerator`` / ``R3GANDiscriminator`` of the inferred plan.

    Raises:
        OfficialWeightsError: a key this family has no place for, or a resampling filter other
            than ``[1, 2, 1]`` (nothing is dropped silently).
    """
    arch = infer_architecture(state_dict, role)
    sd = _strip(state_dict)
    out: Dict[str, torch.Tensor] = {}
    used = set()
    stages = _layers(sd)
    for i, layers in stages.items():
        block_ids = [k for k in sorted(layers) if _is_block(layers[k])]
        others = [k for k in sorted(layers) if k not in block_ids]
        for j, k in enumerate(block_ids):
            for rest, value in layers[k].items():
                if rest not in _BLOCK:
                    raise OfficialWeightsError(f"Unexpected key MainLayers.{i}.Layers.{k}.{rest} in a residual block.")
                out[f"stages.{i}.blocks.{j}.{_BLOCK[rest]}"] = value
                used.add(f"MainLayers.{i}.Layers.{k}.{rest}")
        if len(others) != 1:
            raise OfficialWeightsError(f"Stage {i} has {len(others)} layers besides its residual blocks; expected one "
                                       "(the basis or the resampling layer).")
        k = others[0]
        for rest, value in layers[k].items():
            key = f"MainLayers.{i}.Layers.{k}.{rest}"
            used.add(key)
            if rest == "Resampler.Kernel":
                _check_kernel(key, value)
                continue
            mapped = {"Basis": "basis", "Basis.weight": "basis.weight", "LinearLayer.weight": "linear.weight",
                      "LinearLayer.Layer.weight": "conv.weight"}.get(rest)
            if mapped is None:
                raise OfficialWeightsError(f"Unexpected key {key} in a transition layer.")
            out[f"stages.{i}.transition.{mapped}"] = value
    for official, ours in (("AggregationLayer.Layer.weight", "to_rgb.weight"),
                           ("ExtractionLayer.Layer.weight", "from_rgb.weight")):
        if official in sd:
            out[ours] = sd[official]
            used.add(official)
    if "EmbeddingLayer.weight" in sd:
        out["embed.weight"] = sd["EmbeddingLayer.weight"].t().contiguous()
        used.add("EmbeddingLayer.weight")
    left = sorted(set(sd) - used)
    if left:
        raise OfficialWeightsError(f"The official {arch.role} holds keys this family has no place for: "
                                   f"{', '.join(left[:5])}{' ...' if len(left) > 5 else ''}.")
    return out


def _network_class(role: str, resolution: int) -> type:
    from torch_mimicry.nets import r3gan
    name = f"R3GAN{'Generator' if role == 'G' else 'Discriminator'}{resolution}"
    return getattr(r3gan, name, R3GANGenerator if role == "G" else R3GANDiscriminator)


def from_official_state_dict(state_dict: Mapping[str, torch.Tensor], role: Optional[str] = None,
                             **kwargs: Any) -> Union[R3GANGenerator, R3GANDiscriminator]:
    """A network of this family (``R3GANGenerator32`` & co. where the resolution has a class, else
    ``R3GANGenerator`` / ``R3GANDiscriminator``) with the official weights loaded, in eval mode.

    Args:
        state_dict (dict): official keys. role (str): ``'G'`` or ``'D'`` (default: from the keys).
        **kwargs: further constructor arguments (``loss_type``, ``gamma``, ...).
    """
    arch = infer_architecture(state_dict, role)
    converted = convert_official_state_dict(state_dict, arch.role)
    cls = _network_class(arch.role, arch.plan.resolution)
    common = dict(plan=arch.plan, num_classes=arch.num_classes, embed_dim=arch.embed_dim or None)
    if arch.role == "G":
        common["nz"] = arch.nz
    elif arch.plan.name == "custom":
        kwargs.setdefault("gamma", 0.0)  # a training setting the weights do not carry
    net = cls(**common, **kwargs)
    net.load_state_dict({k: v.detach().float() for k, v in converted.items()}, strict=True)
    return net.eval()


def load_official_pickle(path: Union[str, "os.PathLike[str]"], which: Sequence[str] = ("G_ema", "G", "D"),
                         **kwargs: Any) -> Dict[str, Union[R3GANGenerator, R3GANDiscriminator]]:
    """This family's networks from an official R3GAN snapshot (``network-snapshot-*.pkl``), read
    without running any code from the file.

    Args:
        path (str): the ``.pkl`` file.
        which (sequence of str): the entries to convert (``'G_ema'``, ``'G'``, ``'D'``).
        **kwargs: constructor arguments for every network (e.g. ``loss_type``).

    Returns:
        dict: ``{entry: network}`` (eval mode, on the CPU).

    Raises:
        FileNotFoundError: no file at ``path``.
        UnsafePickleError: the file needs code to be read (nothing ran).
        OfficialWeightsError: an entry is missing or is not an R3GAN network.
    """
    from torch_mimicry.nets.nvlabs_pickle import load_network_pickle
    data = load_network_pickle(path)
    nets: Dict[str, Union[R3GANGenerator, R3GANDiscriminator]] = {}
    for entry in which:
        if entry not in OFFICIAL_ROLES:
            raise ValueError(f"which: {entry!r} is not a network entry of a snapshot; expected some of "
                             f"{', '.join(OFFICIAL_ROLES)}.")
        record = data.get(entry)
        if record is None or not hasattr(record, "state_dict"):
            present = [k for k, v in data.items() if hasattr(v, "state_dict")]
            raise OfficialWeightsError(f"{os.fspath(path)!r} holds no network {entry!r} (networks: "
                                       f"{', '.join(present) or 'none'}).")
        nets[entry] = from_official_state_dict(record.state_dict(), OFFICIAL_ROLES[entry], **kwargs)
    return nets
