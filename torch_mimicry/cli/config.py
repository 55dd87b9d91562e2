"""Training configurations of ``mimicry train``: read, override, check and build.

A configuration (YAML or JSON) names everything a training run needs::

    family: sngan                 # a subpackage of torch_mimicry.nets
    resolution: 32                # picks SNGANGenerator32 / SNGANDiscriminator32
    dataset: {name: cifar10, root: ./datasets}   # or just: dataset: cifar10
    batch_size: 64
    num_workers: 4
    seed: 0                       # seeds the networks' initialisation (optional)
    device: null                  # default: cuda:0 when available, else cpu
    generator: {ngf: 256}         # keyword arguments of the generator class
    discriminator: {ndf: 128}
    optimizer: {type: Adam, lr_D: 0.0002, lr_G: 0.0002, betas: [0.0, 0.9]}
    trainer:                      # keyword arguments of mmc.training.Trainer, passed through
      n_dis: 5
      num_steps: 100000
      lr_decay: linear
      log_dir: ./log/sngan
    schedules:                    # optional: torch_mimicry.training.schedules.from_config
      lr: {shape: cosine, start: 2.0e-4, end: 5.0e-5, duration: 2.0e+7}

``generator`` / ``discriminator`` may name their own class with ``class:``, either
``package.module:Class`` or ``path/to/file.py:Class`` (relative to the configuration file).
The optimizer is any ``torch.optim`` class (``type``, default ``Adam``) with learning rates
``lr_D`` and ``lr_G``; its other keys are the optimizer's keyword arguments. Every key of
``trainer`` goes to the Trainer as is, so its options need no change here; ``trainer.augment``
may also be a mapping ``{name: ada, adaptive: false, ...}`` (the augmentation's class and keyword
arguments). ``schedules`` become Trainer components
(:func:`torch_mimicry.training.schedules.from_config`; ``augment_p`` schedules the probability of
``trainer.augment``).
"""
from __future__ import annotations

import copy
import importlib
import importlib.util
import json
import os
from typing import Any, Dict, Iterable, List, Optional, Tuple

from torch_mimicry.utils import run_layout

#: A configuration: the parsed YAML / JSON mapping.
Config = Dict[str, Any]

__all__ = ["ConfigError", "TOP_LEVEL_KEYS", "load_config", "apply_overrides", "parse_value", "network_classes",
           "build_training", "families", "RUN_CONFIG_FILE", "save_run_config", "load_run_config",
           "build_generator", "build_discriminator", "dataset_spec", "build_dataset", "build_networks"]

#: Keys a configuration may have at its top level.
TOP_LEVEL_KEYS = ("family", "resolution", "dataset", "batch_size", "num_workers", "seed", "device", "generator",
                  "discriminator", "optimizer", "trainer", "schedules", "description")

#: The resolved configuration ``mimicry train`` keeps in the log folder (``mimicry sample`` /
#: ``evaluate`` rebuild the generator from it).
RUN_CONFIG_FILE = run_layout.CONFIG_FILE

_NOT_FAMILIES = ("basemodel", "gan")


class ConfigError(ValueError):
    """A configuration that cannot be used; the message says what to change."""


def parse_value(text: str) -> Any:
    """A ``--set`` value: YAML / JSON scalars and lists (``1``, ``2e-4``, ``null``, ``[0, 0.9]``), else the text."""
    try:
        import yaml  # type: ignore[import-untyped]
        return yaml.safe_load(text)
    except ImportError:  # pragma: no cover
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    except Exception:  # yaml.YAMLError: keep the text as a string
        return text


def load_config(path: str) -> Config:
    """The configuration in ``path`` (``.yaml`` / ``.yml`` or ``.json``), as a dict."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Configuration file {path!r} not found (see examples/configs/ for examples).")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".json"):
        try:
            config = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{path} is not valid JSON: {e}.") from None
    else:
        try:
            import yaml
        except ImportError:  # pragma: no cover
            raise ConfigError(f"Reading {path} needs PyYAML (pip install pyyaml), or give the configuration as "
                              ".json.") from None
        try:
            config = yaml.safe_load(text)
        except yaml.YAMLError as e:
            where = getattr(e, "problem_mark", None)
            at = f" (line {where.line + 1}, column {where.column + 1})" if where is not None else ""
            raise ConfigError(f"{path} is not valid YAML{at}: {getattr(e, 'problem', None) or e}.") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path} must hold a mapping of settings (family, resolution, dataset, trainer, ...); "
                          f"got {type(config).__name__}.")
    config["_path"] = os.path.abspath(path)
    return config


def apply_overrides(config: Config, overrides: Optional[Iterable[str]]) -> Config:
    """Applies ``KEY.SUB=VALUE`` strings (``--set``) to a copy of ``config``."""
    config = copy.deepcopy(config)
    for item in overrides or ():
        if "=" not in item:
            raise ConfigError(f"--set expects KEY=VALUE (e.g. trainer.num_steps=10); got {item!r}.")
        key, text = item.split("=", 1)
        parts = [p for p in key.strip().split(".") if p]
        if not parts:
            raise ConfigError(f"--set {item!r}: the key is empty.")
        node = config
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = parse_value(text)
    return config


def families() -> List[str]:
    """Names of the GAN families in ``torch_mimicry.nets``."""
    import pkgutil

    import torch_mimicry.nets as nets
    return sorted(m.name for m in pkgutil.iter_modules(nets.__path__) if m.ispkg and m.name not in _NOT_FAMILIES)


def _import_class(spec: Any, base_dir: str) -> type:
    """``package.module:Class`` or ``path/to/file.py:Class`` (relative to ``base_dir``)."""
    if not isinstance(spec, str) or ":" not in spec:
        raise ConfigError(f"class must be 'package.module:Class' or 'path/file.py:Class'; got {spec!r}.")
    where, name = spec.rsplit(":", 1)
    if where.endswith(".py"):
        path = where if os.path.isabs(where) else os.path.join(base_dir, where)
        if not os.path.isfile(path):
            raise ConfigError(f"class {spec!r}: file {path!r} not found.")
        module_name = "mimicry_config_" + os.path.splitext(os.path.basename(path))[0]
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        if module_spec is None or module_spec.loader is None:
            raise ConfigError(f"class {spec!r}: {path!r} cannot be imported.")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as e:
            raise ConfigError(f"class {spec!r}: cannot import {where!r} ({e}).") from None
    cls = getattr(module, name, None)
    if cls is None:
        raise ConfigError(f"class {spec!r}: {where!r} has no {name!r}.")
    return cls


def network_classes(config: Config) -> Tuple[type, type]:
    """``(generator class, discriminator class)`` named by the configuration."""
    base_dir = os.path.dirname(config.get("_path", os.path.join(os.getcwd(), "x")))
    chosen = {}
    for role in ("generator", "discriminator"):
        section = config.get(role) or {}
        if not isinstance(section, dict):
            raise ConfigError(f"{role} must be a mapping of keyword arguments; got {section!r}.")
        if "class" in section:
            chosen[role] = _import_class(section["class"], base_dir)
    if len(chosen) == 2:
        return chosen["generator"], chosen["discriminator"]
    family, res = config.get("family"), config.get("resolution")
    if family is None or res is None:
        raise ConfigError("The configuration needs 'family' and 'resolution' (e.g. family: sngan, resolution: 32), "
                          "or a 'class' for both generator and discriminator.")
    known = families()
    if family not in known:
        raise ConfigError(f"Unknown family {family!r}; choose one of {', '.join(known)}.")
    module = importlib.import_module(f"torch_mimicry.nets.{family}")
    found = {}
    for role, kind in (("generator", "Generator"), ("discriminator", "Discriminator")):
        names = [n for n in dir(module) if n.endswith(f"{kind}{res}") and isinstance(getattr(module, n), type)]
        if len(names) != 1:
            have = sorted({n[n.index(kind) + len(kind):] for n in dir(module) if kind in n and n[-1].isdigit()})
            raise ConfigError(f"Family {family!r} has no {kind.lower()} at resolution {res!r}; resolutions: "
                              f"{', '.join(have) or 'none'}.")
        found[role] = getattr(module, names[0])
    return chosen.get("generator", found["generator"]), chosen.get("discriminator", found["discriminator"])


def _network_kwargs(config: Config, role: str) -> Dict[str, Any]:
    return {k: v for k, v in (config.get(role) or {}).items() if k != "class"}


def dataset_spec(config: Config) -> Tuple[str, Optional[str], Dict[str, Any]]:
    """``(name, root, keyword arguments)`` of the configuration's dataset."""
    spec = config.get("dataset")
    if spec is None:
        raise ConfigError("The configuration needs 'dataset' (a name of mmc.datasets.load_dataset, or a mapping "
                          "with name, root and its keyword arguments).")
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, dict) or "name" not in spec:
        raise ConfigError(f"dataset must be a name or a mapping with 'name'; got {spec!r}.")
    spec = dict(spec)
    name = spec.pop("name")
    root = spec.pop("root", "./datasets" if _needs_root(name) else None)
    return name, root, spec


def _needs_root(name: str) -> bool:
    """Whether the registry's dataset ``name`` reads files (an unknown name is refused later)."""
    from torch_mimicry.datasets import dataset_names, dataset_record
    return name not in dataset_names() or dataset_record(name).needs_root


def build_dataset(config: Config) -> Any:
    """The training Dataset of the configuration."""
    from torch_mimicry.datasets import load_dataset
    name, root, kwargs = dataset_spec(config)
    return load_dataset(root, name, **kwargs)


def _device(config: Config) -> Any:
    import torch
    device = (config.get("trainer") or {}).get("device", config.get("device"))
    return torch.device(device or ("cuda:0" if torch.cuda.is_available() else "cpu"))


def build_networks(config: Config, device: Any = None) -> Tuple[Any, Any]:
    """``(netG, netD)`` built from the configuration (seeded by ``seed`` when given)."""
    import torch
    g_cls, d_cls = network_classes(config)
    if config.get("seed") is not None:
        torch.manual_seed(int(config["seed"]))
    try:
        netG = g_cls(**_network_kwargs(config, "generator"))
        netD = d_cls(**_network_kwargs(config, "discriminator"))
    except TypeError as e:
        raise ConfigError(f"Building the networks failed: {e}. Check the generator / discriminator keyword "
                          "arguments.") from None
    if device is not None:
        netG, netD = netG.to(device), netD.to(device)
    return netG, netD


def _optimizers(config: Config, netG: Any, netD: Any) -> Tuple[Any, Any]:
    import torch
    spec = dict(config.get("optimizer") or {})
    kind = spec.pop("type", "Adam")
    cls = getattr(torch.optim, str(kind), None)
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        raise ConfigError(f"optimizer.type {kind!r} is not a torch.optim optimizer (e.g. Adam, AdamW, RMSprop, SGD).")
    missing = [k for k in ("lr_D", "lr_G") if k not in spec]
    if missing:
        raise ConfigError(f"optimizer needs {' and '.join(missing)} (the learning rates of D and G).")
    lr_D, lr_G = spec.pop("lr_D"), spec.pop("lr_G")
    if "betas" in spec and isinstance(spec["betas"], list):
        spec["betas"] = tuple(spec["betas"])
    try:
        return cls(netD.parameters(), lr_D, **spec), cls(netG.parameters(), lr_G, **spec)
    except TypeError as e:
        raise ConfigError(f"optimizer {kind}: {e}.") from None


def check_keys(config: Config) -> None:
    """Raises ConfigError for an unknown top-level key or a ``trainer`` that is not a mapping."""
    unknown = sorted(k for k in config if k not in TOP_LEVEL_KEYS and not k.startswith("_"))
    if unknown:
        raise ConfigError(f"Unknown configuration key(s) {', '.join(unknown)}; accepted: {', '.join(TOP_LEVEL_KEYS)} "
                          "(Trainer options go under 'trainer').")
    trainer = config.get("trainer")
    if trainer is not None and not isinstance(trainer, dict):
        raise ConfigError(f"trainer must be a mapping of Trainer keyword arguments; got {trainer!r}.")


def build_training(config: Config) -> Tuple[Any, Any, Any]:
    """``(trainer, netG, netD)`` for a configuration: networks, dataset, loader, optimizers, Trainer.

    Raises:
        ConfigError: a setting that cannot be used (the message names it); the Trainer's
            own errors (unknown or invalid options) pass through.
    """
    import torch

    from torch_mimicry.training import Trainer
    check_keys(config)
    device = _device(config)
    netG, netD = build_networks(config, device)
    optD, optG = _optimizers(config, netG, netD)
    dataset = build_dataset(config)
    batch_size = int(config.get("batch_size", 64))
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                         num_workers=int(config.get("num_workers", 0)),
                                         drop_last=len(dataset) >= batch_size)
    trainer_kwargs = dict(config.get("trainer") or {})
    trainer_kwargs["device"] = device
    if isinstance(trainer_kwargs.get("augment"), dict):
        trainer_kwargs["augment"] = _augmentation(trainer_kwargs["augment"])
    if config.get("schedules") is not None:
        from torch_mimicry.augment import Augmentation
        from torch_mimicry.training.schedules import from_config
        augment = trainer_kwargs.get("augment")
        if isinstance(augment, str) and "augment_p" in config["schedules"]:
            raise ConfigError(f"schedules.augment_p schedules the probability of trainer.augment, which is {augment!r}, "
                              "an augmentation that adapts or fixes its own; give it as a mapping, e.g. "
                              "{name: ada, adaptive: false}.")
        try:
            components = from_config(config["schedules"], augment if isinstance(augment, Augmentation) else None)
        except ValueError as e:
            raise ConfigError(str(e)) from None
        trainer_kwargs["components"] = list(trainer_kwargs.get("components") or []) + components
    trainer = Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=loader, **trainer_kwargs)
    return trainer, netG, netD


def _augmentation(spec: Dict[str, Any]) -> Any:
    """An augmentation object from ``{name: <a key of AUGMENTATIONS>, <keyword arguments>}``."""
    from torch_mimicry.augment import AUGMENTATIONS, make_augmentation
    kwargs = dict(spec)
    name = kwargs.pop("name", None)
    if not isinstance(name, str):
        raise ConfigError(f"trainer.augment as a mapping needs a name ({', '.join(AUGMENTATIONS)}); got {spec!r}.")
    cls = type(make_augmentation(name))
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"trainer.augment {spec!r}: {e}") from None


def save_run_config(log_dir: str, config: Config) -> None:
    """Writes the resolved configuration to ``log_dir/config.json`` (atomically)."""
    from torch_mimicry.utils.io import atomic_json_dump
    atomic_json_dump(config, run_layout.RunLayout(log_dir).config_file)


def load_run_config(log_dir: str) -> Optional[Config]:
    """The configuration ``mimicry train`` left in ``log_dir``, or None."""
    path = run_layout.RunLayout(log_dir).config_file
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{path} is not valid JSON ({e}).") from None


def _library_class_section(hparams: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """A ``generator`` / ``discriminator`` section from a network's entry of ``params.json``."""
    section = dict(hparams or {})
    cls_name = section.pop("class", None)
    section.pop("num_params", None)
    if cls_name is None:
        return None
    for family in families():
        module = importlib.import_module(f"torch_mimicry.nets.{family}")
        if isinstance(getattr(module, cls_name, None), type):
            return dict(section, **{"class": f"torch_mimicry.nets.{family}:{cls_name}"})
    return None


def _from_params(log_dir: str) -> Optional[Config]:
    """A configuration rebuilt from ``params.json`` (runs not started by ``mimicry train``)."""
    path = run_layout.RunLayout(log_dir).params_file
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        params = json.load(f)
    g = _library_class_section(params.get("netG") or {})
    if g is None:
        return None
    d = _library_class_section(params.get("netD") or {}) or {"class": "torch.nn:Identity"}
    return {"generator": g, "discriminator": d}


def build_generator(log_dir: str, config: Optional[Config] = None, device: Any = None) -> Tuple[Any, Config]:
    """The generator of a run (from ``config``, ``log_dir/config.json`` or ``log_dir/params.json``).

    Returns:
        tuple: ``(netG, config)``.
    """
    config = config or load_run_config(log_dir) or _from_params(log_dir)
    if config is None:
        raise ConfigError(f"Cannot tell which generator {os.fspath(log_dir)!r} holds: it has no {RUN_CONFIG_FILE} "
                          "(written by `mimicry train`) and no params.json naming a library class; pass --config.")
    import torch
    g_cls, _ = network_classes(dict(config, discriminator={"class": "torch.nn:Identity"}))
    try:
        netG = g_cls(**_network_kwargs(config, "generator"))
    except TypeError as e:
        raise ConfigError(f"Building the generator failed: {e}.") from None
    return netG.to(device or torch.device("cpu")), config


def build_discriminator(log_dir: str, config: Optional[Config] = None, device: Any = None) -> Tuple[Any, Config]:
    """The discriminator of a run (from ``config``, ``log_dir/config.json`` or ``log_dir/params.json``).

    Returns:
        tuple: ``(netD, config)``.
    """
    config = config or load_run_config(log_dir) or _from_params(log_dir)
    section = (config or {}).get("discriminator") or {}
    if config is None or section.get("class") == "torch.nn:Identity":
        raise ConfigError(f"Cannot tell which discriminator {os.fspath(log_dir)!r} holds: it has no {RUN_CONFIG_FILE} "
                          "and its params.json names no library discriminator class.")
    import torch
    _, d_cls = network_classes(dict(config, generator={"class": "torch.nn:Identity"}))
    try:
        netD = d_cls(**_network_kwargs(config, "discriminator"))
    except TypeError as e:
        raise ConfigError(f"Building the discriminator failed: {e}.") from None
    return netD.to(device or torch.device("cpu")), config
