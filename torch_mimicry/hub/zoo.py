"""The model zoo: pretrained generators by name, each with how it was trained and the scores published for it.

``load_pretrained('sngan_cifar10')`` looks the name up, fetches the weights file (Hugging Face
Hub, URL or local path: :mod:`torch_mimicry.hub.files`), checks its SHA-256, builds the network
and loads it (a torch-mimicry 0.1.16 checkpoint's key layout is converted by
:meth:`~torch_mimicry.nets.basemodel.BaseModel.restore_checkpoint`). The registry holds

* torch-mimicry 0.1.16's released checkpoints (:mod:`torch_mimicry.hub.original_zoo`): their
  names, training settings and published IS / FID / KID. They were published on Google Drive
  without checksums, and none is recorded here, so loading one needs its SHA-256 from you
  (``sha256=``, after you have checked the file) -- or a local copy with its hash (``path=``);
* the project's own entries (:mod:`torch_mimicry.hub.project_zoo`), published with
  :func:`~torch_mimicry.hub.publish.push_to_hub` at a pinned commit;
* entries you add with :func:`register` or :func:`register_file` (a JSON list of entries).

Nothing is fetched at import; a name that is not in the zoo gets the closest names.
"""
from __future__ import annotations

import dataclasses
import difflib
import json
import os
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from torch_mimicry.hub import artefact
from torch_mimicry.hub.artefact import Pretrained
from torch_mimicry.hub.files import FileSpec, expected_sha256, fetch, file_sha256
from torch_mimicry.utils.io import StrPath

__all__ = ["PublishedScore", "ZooEntry", "UnknownModelError", "register", "register_file", "unregister",
           "get_entry", "list_pretrained", "pretrained_info", "load_pretrained", "entry_from_folder", "is_pretrained_name"]


class UnknownModelError(ValueError):
    """A name that is not in the model zoo (the message names the closest ones)."""


@dataclasses.dataclass(frozen=True)
class PublishedScore:
    """A score published for a zoo entry.

    Args:
        metric (str): ``'fid'``, ``'kid'``, ``'inception_score'``, ... (names of :data:`torch_mimicry.metrics.METRICS`).
        mean (float): the published value (the mean over ``protocol['num_runs']`` seeds when given).
        std (float): its published standard deviation, or None.
        protocol (dict): how it was computed: sample counts (``num_real_samples``,
            ``num_fake_samples`` / ``num_samples``), ``splits`` / ``num_subsets``, ``dataset`` and
            ``split``, ``num_runs``, ``backend`` and the implementation.
        source (str): where it was published.
        step (int): the training step scored, when known.
    """

    metric: str
    mean: float
    std: Optional[float]
    protocol: Mapping[str, Any]
    source: str
    step: Optional[int] = None

    def to_json(self) -> Dict[str, Any]:
        """The score as a JSON object."""
        return json.loads(json.dumps(dataclasses.asdict(self)))


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    """One pretrained model of the zoo.

    Args:
        name (str): the name ``load_pretrained`` takes (``<family>_<dataset>``).
        generator (str): its class, ``'package.module:Class'``.
        files (dict): ``{'generator': FileSpec, 'discriminator': FileSpec}`` (the discriminator optional).
        generator_kwargs (dict): the generator's constructor arguments.
        discriminator (str), discriminator_kwargs (dict): the discriminator's, when a file is published.
        dataset (dict): ``name`` (a :func:`~torch_mimicry.datasets.load_dataset` name), ``split``, ``resolution``.
        training (dict): the training settings (``num_steps``, ``batch_size``, ``n_dis``, learning
            rates, ``betas``, ``lr_decay``, ...).
        scores (tuple of PublishedScore): the published scores.
        published (str): where the model was published.
        notes (str): anything a user must know.
    """

    name: str
    generator: str
    files: Mapping[str, FileSpec]
    generator_kwargs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    discriminator: Optional[str] = None
    discriminator_kwargs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    dataset: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    training: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    scores: Tuple[PublishedScore, ...] = ()
    published: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if "generator" not in self.files:
            raise ValueError(f"Zoo entry {self.name!r} needs files['generator'].")
        if "discriminator" in self.files and not self.discriminator:
            raise ValueError(f"Zoo entry {self.name!r} has a discriminator file but no discriminator class.")
        for role, spec in self.files.items():
            if not spec.pinned:
                raise ValueError(f"Zoo entry {self.name!r}: the {role} file {spec.describe()} must be pinned to a commit "
                                 "hash (40 hex digits), not a branch or tag, so the entry always names the same file.")

    def record(self) -> Dict[str, Any]:
        """How it was trained and what it scored, as JSON: the ``record`` of :class:`Pretrained`."""
        return {"name": self.name, "generator": {"class": self.generator, "kwargs": dict(self.generator_kwargs)},
                "discriminator": ({"class": self.discriminator, "kwargs": dict(self.discriminator_kwargs)}
                                  if self.discriminator else None),
                "dataset": dict(self.dataset), "training": json.loads(json.dumps(dict(self.training))),
                "scores": [s.to_json() for s in self.scores], "published": self.published, "notes": self.notes,
                "files": {role: spec.to_json() for role, spec in self.files.items()}}

    def to_json(self) -> Dict[str, Any]:
        """The entry as a JSON object (what :func:`register_file` reads)."""
        data = self.record()
        data["generator_kwargs"] = data["generator"]["kwargs"]
        data["generator"] = self.generator
        disc = data.pop("discriminator")
        if disc:
            data["discriminator"], data["discriminator_kwargs"] = disc["class"], disc["kwargs"]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ZooEntry":
        """The inverse of :meth:`to_json`."""
        data = dict(data)
        data["files"] = {role: FileSpec.from_json(spec) for role, spec in data.get("files", {}).items()}
        data["scores"] = tuple(PublishedScore(**s) for s in data.get("scores", ()))
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"Unknown zoo entry fields {', '.join(unknown)}; accepted: {', '.join(sorted(known))}.")
        return cls(**data)


_REGISTRY: Dict[str, ZooEntry] = {}
_BUILTIN_LOADED = False


def _registry() -> Dict[str, ZooEntry]:
    global _BUILTIN_LOADED
    if not _BUILTIN_LOADED:
        _BUILTIN_LOADED = True
        from torch_mimicry.hub import original_zoo, project_zoo
        for entry in (*original_zoo.ENTRIES, *project_zoo.ENTRIES):
            _REGISTRY.setdefault(entry.name, entry)
    return _REGISTRY


def register(entry: Union[ZooEntry, Mapping[str, Any]], overwrite: bool = False) -> ZooEntry:
    """Adds an entry (a ZooEntry or its JSON object) to the zoo; returns it.

    Raises:
        ValueError: the name is taken (pass ``overwrite=True`` to replace it) or the entry is invalid.
    """
    if not isinstance(entry, ZooEntry):
        entry = ZooEntry.from_json(entry)
    registry = _registry()
    if entry.name in registry and not overwrite:
        raise ValueError(f"The zoo already has {entry.name!r}; pass overwrite=True to replace it.")
    registry[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    """Removes an entry (no error when it is not there)."""
    _registry().pop(name, None)


def register_file(path: StrPath, overwrite: bool = False) -> List[ZooEntry]:
    """Registers every entry of a JSON file holding a list of entries (:meth:`ZooEntry.to_json`)."""
    with open(path, encoding="utf-8") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{os.fspath(path)} is not valid JSON ({e}).") from None
    if not isinstance(data, list):
        raise ValueError(f"{os.fspath(path)} must hold a JSON list of zoo entries.")
    return [register(item, overwrite=overwrite) for item in data]


def list_pretrained(filter: Optional[str] = None) -> List[str]:
    """Sorted names of the zoo (those containing ``filter``, when given)."""
    return sorted(n for n in _registry() if filter is None or filter.lower() in n.lower())


def is_pretrained_name(name: str) -> bool:
    """True when ``name`` is in the zoo."""
    return name in _registry()


def get_entry(name: str) -> ZooEntry:
    """The zoo entry of ``name``.

    Raises:
        UnknownModelError: not in the zoo; the message names the closest names.
    """
    registry = _registry()
    if name in registry:
        return registry[name]
    close = difflib.get_close_matches(str(name), list(registry), n=4, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownModelError(f"No pretrained model {name!r} in the zoo.{hint} mmc.hub.list_pretrained() (or `mimicry "
                            "zoo`) lists the names.")


def pretrained_info(name: str) -> Dict[str, Any]:
    """The record of a zoo entry (training settings, published scores, files) without fetching anything."""
    return get_entry(name).record()


def load_pretrained(name: str, discriminator: bool = False, device: Any = None, sha256: Optional[str] = None,
                    path: Optional[StrPath] = None, cache_dir: Optional[StrPath] = None,
                    force_download: bool = False) -> Pretrained:
    """The pretrained generator ``name`` (and its discriminator on request), verified and in eval mode.

    Args:
        name (str): a zoo name (:func:`list_pretrained`).
        discriminator (bool): also load the discriminator (refused before anything is fetched
            when the entry publishes none: torch-mimicry 0.1.16 released generators only).
        device: where to put the networks (default CPU).
        sha256 (str): the generator file's SHA-256, for an entry that has none.
        path (str): a local copy of the generator file to read instead of fetching it (it is
            checked against the entry's SHA-256, or ``sha256``).
        cache_dir (str): the Hugging Face cache folder (default ``$HF_HUB_CACHE``).
        force_download (bool): fetch again even when cached.

    Returns:
        Pretrained: ``netG``, ``netD`` (or None), ``record`` (:meth:`ZooEntry.record`), ``files``, ``step``.

    Raises:
        UnknownModelError: an unknown name (with the closest names).
        HashRequiredError: no SHA-256 is known for the file (raised before any download).
        ChecksumError: the file's SHA-256 differs from the expected one (nothing is loaded).
        FileNotFoundError: a missing file, revision or repository, or offline and not cached.
    """
    entry = get_entry(name)
    if discriminator and "discriminator" not in entry.files:
        raise ValueError(f"{name!r} publishes no discriminator ({entry.published or 'its release'} has the generator "
                         "only); call load_pretrained without discriminator=True.")
    roles = ["generator"] + (["discriminator"] if discriminator else [])
    specs = {role: entry.files[role] for role in roles}
    if path is not None:
        specs["generator"] = dataclasses.replace(specs["generator"], path=os.fspath(path), repo_id=None,
                                                 revision=None, url=None)
    overrides = {"generator": sha256}
    for role, spec in specs.items():  # every hash known before anything is fetched
        expected_sha256(spec, overrides.get(role), what=f"The {role} file of {name!r}")
    files = {role: fetch(spec, sha256=overrides.get(role), cache_dir=cache_dir, force_download=force_download,
                         what=f"The {role} file of {name!r}") for role, spec in specs.items()}
    nets: Dict[str, Any] = {}
    step = None
    for role in roles:
        cls_path = entry.generator if role == "generator" else str(entry.discriminator)
        kwargs = entry.generator_kwargs if role == "generator" else entry.discriminator_kwargs
        net = artefact.build_network(artefact.resolve_class(cls_path, trusted=True), kwargs, f"{name} ({role})")
        loaded_step = artefact.load_weights(net, files[role], specs[role].format)
        step = loaded_step if role == "generator" else step
        nets[role] = net.to(device or "cpu").eval()
    if step is None:
        step = entry.training.get("num_steps")
    record = entry.record()
    record["files"] = {role: {"source": f.source, "sha256": f.sha256, "path": f.path} for role, f in files.items()}
    return Pretrained(netG=nets["generator"], netD=nets.get("discriminator"), record=record, files=files, step=step)


def entry_from_folder(folder: StrPath, name: str, repo_id: Optional[str] = None, revision: Optional[str] = None,
                      url: Optional[str] = None, published: str = "", notes: str = "",
                      include_discriminator: bool = True) -> ZooEntry:
    """A zoo entry for a folder written by :func:`~torch_mimicry.hub.publish.save_pretrained`.

    Its SHA-256 values are computed from the folder's files, and its training record and scores
    are read from the folder (nothing is typed by hand). Give where the files are published:
    ``repo_id`` and the ``revision`` (commit) that :func:`~torch_mimicry.hub.publish.push_to_hub`
    returned, or a ``url`` of the folder (each file at ``url/<file name>``); neither: the
    folder itself.
    """
    from torch_mimicry.hub.artefact import read_manifest
    folder = os.fspath(folder)
    manifest = read_manifest(artefact.local_file(folder, artefact.MANIFEST_FILE), folder)
    networks = manifest["networks"]
    roles = [r for r in ("generator", "discriminator") if r in networks and (r == "generator" or include_discriminator)]
    if "generator" not in roles:
        raise ValueError(f"{folder} publishes no generator.")
    files: Dict[str, FileSpec] = {}
    for role in roles:
        file_name = networks[role]["file"]
        digest = file_sha256(artefact.local_file(folder, file_name))
        if digest != networks[role]["sha256"]:
            raise ValueError(f"{folder}/{file_name} does not match the SHA-256 of its {artefact.MANIFEST_FILE}.")
        where: Dict[str, Any] = ({"repo_id": repo_id, "revision": revision} if repo_id else
                                 {"url": url.rstrip("/") + "/" + file_name} if url else
                                 {"path": os.path.abspath(artefact.local_file(folder, file_name))})
        files[role] = FileSpec(filename=file_name, sha256=digest, format="safetensors", **where)
    training: Mapping[str, Any] = manifest.get("training") or {}
    params = training.get("params") or {}
    scores = tuple(PublishedScore(metric=s["metric"], mean=s["mean"], std=s.get("std"),
                                  protocol=dict(s.get("protocol", {}), num_runs=len(s.get("seeds") or []) or None),
                                  source=published or f"{artefact.METRICS_DIR}/{s['metric']}.json", step=s.get("step"))
                   for s in manifest.get("scores", []))
    dataset = {"name": training.get("dataset")} if training.get("dataset") else {}
    summary = {k: params.get(k) for k in ("num_steps", "n_dis", "batch_size", "lr_decay", "seed") if k in params}
    for opt in ("optD", "optG"):
        if isinstance(params.get(opt), Mapping):
            summary[opt] = dict(params[opt])
    summary.update(step=training.get("step"), generator=training.get("generator"))
    disc = networks.get("discriminator") if "discriminator" in roles else None
    return ZooEntry(name=name, generator=networks["generator"]["class"], files=files,
                    generator_kwargs=networks["generator"].get("kwargs", {}),
                    discriminator=disc["class"] if disc else None,
                    discriminator_kwargs=disc.get("kwargs", {}) if disc else {},
                    dataset=dataset, training=summary, scores=scores, published=published, notes=notes)
