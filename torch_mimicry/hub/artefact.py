"""The layout of a published model (a folder, or a Hugging Face Hub repository) and reading its networks.

.. code-block:: text

   mimicry.json                 what the folder holds: each network's class, constructor arguments,
                                weights file and its SHA-256; the training record and scores
   generator.safetensors        the generator's state dict (safetensors: tensors only, no code)
   discriminator.safetensors    the discriminator's, when it was published too
   README.md                    the model card (YAML metadata, architecture, training, scores, samples)
   params.json                  the training run's hyperparameters, as the Trainer wrote them
   metrics/<metric>.json        the metric records of the published step, with their protocols
   samples.png                  a grid of generated images (seed 0)

Reading a folder never unpickles anything: ``mimicry.json`` is JSON and the weights are
safetensors, each checked against the SHA-256 ``mimicry.json`` gives. Classes are taken from
``torch_mimicry`` only, unless the caller names the class itself.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import os
from typing import Any, Dict, Mapping, Optional, Type

import torch

from torch_mimicry.hub.files import VerifiedFile
from torch_mimicry.nets.basemodel import BaseModel, CheckpointError
from torch_mimicry.utils.io import StrPath, atomic_write

__all__ = ["MANIFEST_FILE", "CARD_FILE", "SAMPLES_FILE", "PARAMS_FILE", "METRICS_DIR", "WEIGHTS_FILES",
           "FORMAT_NAME", "FORMAT_VERSION", "Pretrained", "class_path", "resolve_class", "network_role",
           "save_safetensors", "load_weights", "build_network", "json_arguments"]

MANIFEST_FILE = "mimicry.json"
CARD_FILE = "README.md"
SAMPLES_FILE = "samples.png"
PARAMS_FILE = "params.json"
METRICS_DIR = "metrics"
#: ``{role: weights file}``.
WEIGHTS_FILES = {"generator": "generator.safetensors", "discriminator": "discriminator.safetensors",
                 "model": "model.safetensors"}
FORMAT_NAME = "torch-mimicry-pretrained"
FORMAT_VERSION = 1


@dataclasses.dataclass
class Pretrained:
    """A pretrained generator (and discriminator) with the record of how it was made.

    Attributes:
        netG (BaseGenerator): the generator, in eval mode.
        netD (BaseDiscriminator or None): the discriminator, when it was asked for.
        record (dict): how it was trained and the scores it has: ``name``, ``dataset``,
            ``training`` (steps, batch size, learning rates, ...), ``scores`` (each with
            ``metric``, ``mean``, ``std`` and ``protocol``), ``published`` (where), ``files``.
        files (dict): ``{role: VerifiedFile}`` of the weights read (path, SHA-256, source).
        step (int or None): the training step of the weights.
    """

    netG: Any
    netD: Any = None
    record: Dict[str, Any] = dataclasses.field(default_factory=dict)
    files: Dict[str, VerifiedFile] = dataclasses.field(default_factory=dict)
    step: Optional[int] = None

    def scores(self, metric: Optional[str] = None) -> list:
        """The published scores (of ``metric`` only, when given)."""
        return [s for s in self.record.get("scores", []) if metric is None or s.get("metric") == metric]


def class_path(cls: type) -> str:
    """``'package.module:Class'`` naming ``cls``; a library network by its family package
    (``torch_mimicry.nets.sngan:SNGANGenerator32``)."""
    module = cls.__module__
    parts = module.split(".")
    if len(parts) > 3 and parts[:2] == ["torch_mimicry", "nets"]:
        family = ".".join(parts[:3])
        if getattr(importlib.import_module(family), cls.__name__, None) is cls:
            return f"{family}:{cls.__name__}"
    return f"{module}:{cls.__qualname__}"


def resolve_class(path: str, trusted: bool = False) -> Type[BaseModel]:
    """The class ``'package.module:Class'`` names; ``trusted=False`` allows ``torch_mimicry`` classes only.

    Raises:
        ValueError: a malformed name, a module outside ``torch_mimicry`` (untrusted), or not a BaseModel.
    """
    if not isinstance(path, str) or ":" not in path:
        raise ValueError(f"A network class is named 'package.module:Class'; got {path!r}.")
    module_name, _, qualname = path.partition(":")
    if not trusted and module_name.split(".")[0] != "torch_mimicry":
        raise ValueError(f"The published class {path!r} is not one of torch_mimicry's, and a downloaded file does not "
                         "choose which code to import: build it yourself, MyClass.from_pretrained(source) (or pass "
                         "cls=MyClass).")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"The network class {path!r} cannot be found ({e}); is this library too old for it?") \
            from None
    if not (isinstance(obj, type) and issubclass(obj, BaseModel)):
        raise ValueError(f"{path!r} is not a torch_mimicry network (a BaseModel subclass).")
    return obj


def network_role(model: torch.nn.Module) -> str:
    """``'generator'``, ``'discriminator'`` or ``'model'``."""
    from torch_mimicry.nets.gan import BaseDiscriminator, BaseGenerator
    if isinstance(model, BaseGenerator):
        return "generator"
    if isinstance(model, BaseDiscriminator):
        return "discriminator"
    return "model"


def json_arguments(model: BaseModel) -> Dict[str, Any]:
    """The network's constructor arguments (:meth:`BaseModel.constructor_arguments`) as JSON values.

    Raises:
        ValueError: an argument that JSON cannot hold (a tensor, an object), named.
    """
    arguments = model.constructor_arguments()
    arguments.pop("scaler", None)  # the gradient scaler: a training object, not part of the architecture
    bad = []
    for key, value in arguments.items():
        try:
            if json.loads(json.dumps(value)) != value:
                bad.append(key)
        except (TypeError, ValueError):
            bad.append(key)
    if bad:
        raise ValueError(f"{type(model).__name__} was built with arguments JSON cannot record ({', '.join(bad)}); a "
                         "published network is rebuilt from numbers, strings, lists and dicts only.")
    return arguments


def save_safetensors(model: torch.nn.Module, path: StrPath, metadata: Optional[Mapping[str, str]] = None) -> str:
    """Writes ``model``'s state dict (its tensors, on the CPU, contiguous) as safetensors, atomically;
    returns the file's SHA-256."""
    from safetensors.torch import save
    state = {k: v.detach().to("cpu").contiguous().clone() for k, v in model.state_dict().items()
             if isinstance(v, torch.Tensor)}
    data = save(state, metadata=dict(metadata or {}))
    atomic_write(path, lambda f: f.write(data), "wb", what=f"{type(model).__name__} weights")
    import hashlib
    return hashlib.sha256(data).hexdigest()


def _require_safetensors() -> None:
    try:
        import safetensors  # noqa: F401
    except ImportError as e:
        raise ImportError(f"Reading and writing published networks needs the safetensors package ({e}): "
                          "pip install 'torch-mimicry[hub]'.") from None


def load_weights(model: BaseModel, verified: VerifiedFile, file_format: str) -> Optional[int]:
    """Loads a verified weights file into ``model``; returns the checkpoint's step when it has one.

    ``'safetensors'`` files are read by safetensors; ``'checkpoint'`` files by
    :meth:`BaseModel.restore_checkpoint` (``torch.load(weights_only=True)``: tensors and plain
    data only), which converts torch-mimicry 0.1.16's key layout.
    """
    if file_format == "checkpoint":
        return model.restore_checkpoint(verified.path)
    _require_safetensors()
    from safetensors.torch import load_file
    try:
        state = load_file(verified.path, device="cpu")
    except Exception as e:  # noqa: BLE001  (a corrupt header raises the library's own errors)
        raise CheckpointError(f"{verified.source} is not a readable safetensors file ({type(e).__name__}: {e}).") \
            from e
    try:
        model.load_state_dict(model.convert_state_dict(state))
    except RuntimeError as e:
        raise CheckpointError(f"The weights of {verified.source} do not fit {type(model).__name__}: {e}") from e
    return None


def build_network(cls: Type[BaseModel], kwargs: Mapping[str, Any], what: str) -> BaseModel:
    """``cls(**kwargs)``, with a clear error when the arguments do not fit."""
    kwargs = dict(kwargs)
    args = kwargs.pop("*args", [])
    try:
        return cls(*args, **kwargs)
    except TypeError as e:
        raise ValueError(f"{what}: {cls.__name__}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())}) cannot be "
                         f"built ({e}).") from None


def read_manifest(path: str, source: str) -> Dict[str, Any]:
    """The ``mimicry.json`` at ``path`` (checked to be one)."""
    with open(path, encoding="utf-8") as f:
        try:
            manifest = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{source}/{MANIFEST_FILE} is not valid JSON ({e}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ValueError(f"{source} is not a folder written by torch_mimicry's save_pretrained: its {MANIFEST_FILE} "
                         f"has no \"format\": \"{FORMAT_NAME}\".")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise ValueError(f"{source} was written in format version {manifest['format_version']}, newer than this "
                         f"library reads ({FORMAT_VERSION}): upgrade torch-mimicry.")
    if not isinstance(manifest.get("networks"), dict) or not manifest["networks"]:
        raise ValueError(f"{source}/{MANIFEST_FILE} names no networks.")
    return manifest


def local_file(folder: StrPath, name: str) -> str:
    """``folder/name``, refusing names that leave the folder."""
    if os.path.isabs(name) or ".." in name.replace("\\", "/").split("/"):
        raise ValueError(f"A published file name must stay inside its folder; got {name!r}.")
    return os.path.join(os.fspath(folder), name)
