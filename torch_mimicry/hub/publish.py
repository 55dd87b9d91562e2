"""Publishing trained networks (:func:`save_pretrained`, :func:`push_to_hub`) and loading them back
(:func:`from_pretrained`, :func:`load_folder`).

``save_pretrained(log_dir, out_dir, which='best')`` turns a training run into a folder that
describes itself (the layout is in :mod:`torch_mimicry.hub.artefact`): the chosen generator's
weights as safetensors, its class and constructor arguments, the run's ``params.json``, the
metric records of that step with their protocols, a sample grid and a model card.
``push_to_hub`` writes the same folder to a Hugging Face Hub repository and returns the commit
that pins it. Every path of the run folder comes from its
:class:`~torch_mimicry.utils.run_layout.RunLayout`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Type, Union

import torch

from torch_mimicry.hub import artefact
from torch_mimicry.hub.artefact import Pretrained
from torch_mimicry.hub.card import render_card
from torch_mimicry.hub.files import (FileSpec, VerifiedFile, download_hub_file, fetch, file_sha256,
                                     require_huggingface_hub)
from torch_mimicry.nets.basemodel import BaseModel
from torch_mimicry.utils.io import StrPath, atomic_json_dump, atomic_write
from torch_mimicry.utils.run_layout import EMA, NETD, NETG, RunLayout

__all__ = ["save_pretrained", "push_to_hub", "from_pretrained", "load_folder", "export_run"]

#: Which weights of a run :func:`save_pretrained` publishes.
WHICH = ("best", "ema", "latest")


def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _run_records(layout: RunLayout, step: int, generator: str) -> Dict[str, List[Dict[str, Any]]]:
    """``{metric: [record, ...]}`` of ``step`` scored on the ``generator`` (``'ema'`` or ``'raw'``)."""
    from torch_mimicry.metrics.records import load_records
    found: Dict[str, List[Dict[str, Any]]] = {}
    for metric, path in layout.metric_record_files().items():
        recs = [r for r in load_records(path) if r.get("step") == step
                and (r.get("protocol") or {}).get("generator", "raw") == generator]
        if recs:
            found[metric] = recs
    return found


def export_run(log_dir: StrPath, which: Union[str, int] = "best", step: Optional[int] = None,
               include_discriminator: bool = False, device: Any = None) -> Dict[str, Any]:
    """The networks and records of a run that :func:`save_pretrained` publishes.

    Args:
        log_dir (str): the training run's folder.
        which: ``'best'`` (the best checkpoint of ``Trainer(eval_every=...)``, EMA or not as it
            was scored), ``'ema'`` (the EMA generator), ``'latest'`` (the generator), or an int
            (the generator of that step).
        step (int): with ``'ema'`` / ``'latest'``: that step instead of the latest.
        include_discriminator (bool): also the discriminator of the same step.

    Returns:
        dict: ``netG``, ``netD`` (or None), ``step``, ``generator`` (``'ema'`` / ``'raw'``),
        ``selected`` (in words), ``params`` (or None), ``config`` (or None), ``records``
        (``{metric: [record]}``), ``best`` (best.json or None).
    """
    from torch_mimicry.cli import config as cfg
    from torch_mimicry.training.evaluator import read_best
    layout = RunLayout(log_dir)
    if not layout.is_run():
        raise FileNotFoundError(f"{os.fspath(log_dir)!r} is not a training run's folder (no {layout.checkpoints_dir}).")
    best = read_best(log_dir)
    if isinstance(which, bool) or not (isinstance(which, int) or which in WHICH):
        raise ValueError(f"which must be 'best', 'ema', 'latest' or a step (int); got {which!r}.")
    if isinstance(which, int):
        step, which = which, "latest"
    if which == "best":
        if best is None:
            raise FileNotFoundError(f"{os.fspath(log_dir)!r} has no best checkpoint ({layout.best_file}; train with "
                                    "Trainer(eval_every=...)): publish which='ema', 'latest' or a step instead.")
        step, kind = int(best["step"]), str(best.get("generator", "raw"))
        g_file = layout.best_path(EMA if kind == "ema" else NETG, step)
        d_file = layout.best_path(NETD, step)
        selected = f"the best {best['metric']} of the run, {best['score']:.6g}"
    else:
        name, kind = (EMA, "ema") if which == "ema" else (NETG, "raw")
        steps = layout.steps(name)
        if not steps:
            raise FileNotFoundError(f"{os.fspath(log_dir)!r} has no {name} checkpoints in {layout.checkpoint_dir(name)}"
                                    + (" (train with Trainer(ema_decay=...))." if name == EMA else "."))
        step = steps[-1] if step is None else int(step)
        if step not in steps:
            raise FileNotFoundError(f"{os.fspath(log_dir)!r} has no {name} checkpoint of step {step}; steps: {steps}.")
        g_file, d_file = layout.checkpoint_path(name, step), layout.checkpoint_path(NETD, step)
        selected = "the EMA generator" if kind == "ema" else "the generator"
    if include_discriminator and not os.path.isfile(d_file):
        raise FileNotFoundError(f"No discriminator checkpoint of step {step} ({d_file}).")
    run_config = cfg.load_run_config(os.fspath(log_dir))
    netG, config = cfg.build_generator(os.fspath(log_dir), device=device)
    netG.restore_checkpoint(g_file)
    netD = None
    if include_discriminator:
        netD, _ = cfg.build_discriminator(os.fspath(log_dir), device=device)
        netD.restore_checkpoint(d_file)
    params = _read_json(layout.params_file) if os.path.isfile(layout.params_file) else None
    return {"netG": netG, "netD": netD, "step": step, "generator": kind, "selected": selected, "params": params,
            "config": run_config, "records": _run_records(layout, step, kind), "best": best,
            "dataset": _dataset_name(run_config, params)}


def _dataset_name(config: Optional[Mapping[str, Any]], params: Optional[Mapping[str, Any]]) -> Optional[str]:
    spec = (config or {}).get("dataset")
    if isinstance(spec, Mapping):
        spec = spec.get("name")
    if isinstance(spec, str):
        return spec
    name = (params or {}).get("dataset")
    return str(name) if name else None


def _sample_grid(netG: BaseModel, path: str, num: int, seed: int) -> None:
    import torchvision.utils as vutils
    was_training = netG.training
    netG.eval()
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            images = netG.generate_images(num, device=netG.device)  # type: ignore[operator]
    finally:
        netG.train(was_training)
    nrow = max(1, int(round(num ** 0.5)))
    atomic_write(path, lambda f: vutils.save_image(images.float().cpu(), f, nrow=nrow, padding=2, normalize=True,
                                                   value_range=(-1, 1), format="png"), "wb", what="sample grid")


def _network_entry(model: BaseModel, file_name: str, digest: str) -> Dict[str, Any]:
    return {"class": artefact.class_path(type(model)), "kwargs": artefact.json_arguments(model), "file": file_name,
            "sha256": digest, "num_params": sum(p.numel() for p in model.parameters())}


def _scores(records: Mapping[str, List[Mapping[str, Any]]]) -> List[Dict[str, Any]]:
    return [{"metric": metric, "step": r.get("step"), "mean": r.get("mean"), "std": r.get("std"),
             "seeds": r.get("seeds"), "protocol": r.get("protocol", {})}
            for metric, recs in sorted(records.items()) for r in recs]


def save_pretrained(source: Union[BaseModel, StrPath], out_dir: StrPath, which: Union[str, int] = "best",
                    step: Optional[int] = None, netD: Optional[BaseModel] = None, include_discriminator: bool = False,
                    params: Optional[Mapping[str, Any]] = None,
                    records: Optional[Mapping[str, List[Mapping[str, Any]]]] = None,
                    samples: int = 64, sample_seed: int = 0, name: Optional[str] = None, license: Optional[str] = None,
                    description: Optional[str] = None, dataset: Optional[str] = None) -> str:
    """Writes a self-describing folder of a network or of a training run's chosen generator.

    Args:
        source: a network (BaseModel), or a run folder (``log_dir``).
        out_dir (str): the folder to write (created; files of an earlier call are replaced).
        which, step, include_discriminator: for a run, which weights (see :func:`export_run`).
        netD (BaseModel): for a network: a discriminator to publish with it.
        params (dict): for a network: its training hyperparameters (a run gives its ``params.json``).
        records (dict): for a network: ``{metric: [record]}`` of :mod:`torch_mimicry.metrics.records`.
        samples (int): images in ``samples.png`` (0: none); ``sample_seed`` seeds their noise.
        name (str): the model's name on its card (default: the name of ``out_dir``).
        license (str): a license identifier for the card's metadata.
        description (str): a paragraph for the card.
        dataset (str): the training dataset's name, when the run does not say.

    Returns:
        str: ``out_dir``.

    Raises:
        FileNotFoundError: a run without the chosen weights (no best checkpoint, no EMA, no step).
        ValueError: a network built with arguments JSON cannot hold.
        ImportError: safetensors is not installed (``pip install 'torch-mimicry[hub]'``).
    """
    artefact._require_safetensors()
    out = os.fspath(out_dir)
    from torch_mimicry import __version__
    if isinstance(source, BaseModel):
        exported: Dict[str, Any] = {"netG": source, "netD": netD, "step": step, "generator": None, "selected": None,
                                    "params": dict(params) if params else None, "config": None,
                                    "records": {k: list(v) for k, v in (records or {}).items()}, "best": None,
                                    "dataset": dataset}
    else:
        if netD is not None or params is not None or records is not None:
            raise ValueError("netD, params and records are for a network; a run folder gives its own.")
        exported = export_run(source, which, step, include_discriminator)
        exported["dataset"] = dataset or exported["dataset"]
    os.makedirs(out, exist_ok=True)
    files: Dict[str, str] = {}
    networks: Dict[str, Any] = {}
    nets = [(artefact.network_role(exported["netG"]), exported["netG"])]
    if exported["netD"] is not None:
        nets.append(("discriminator", exported["netD"]))
    for role, net in nets:
        file_name = artefact.WEIGHTS_FILES[role]
        digest = artefact.save_safetensors(net, artefact.local_file(out, file_name),
                                           {"format": "pt", "class": artefact.class_path(type(net))})
        networks[role] = _network_entry(net, file_name, digest)
        files[file_name] = digest
    if exported["params"] is not None:
        atomic_json_dump(exported["params"], artefact.local_file(out, artefact.PARAMS_FILE), what="params.json")
        files[artefact.PARAMS_FILE] = file_sha256(artefact.local_file(out, artefact.PARAMS_FILE))
    from torch_mimicry.metrics.records import FORMAT_VERSION as RECORDS_VERSION
    for metric, recs in exported["records"].items():
        rel = f"{artefact.METRICS_DIR}/{metric}.json"
        atomic_json_dump({"format": RECORDS_VERSION, "records": recs}, artefact.local_file(out, rel),
                         what=f"{metric} records")
        files[rel] = file_sha256(artefact.local_file(out, rel))
    manifest: Dict[str, Any] = {
        "format": artefact.FORMAT_NAME, "format_version": artefact.FORMAT_VERSION, "library_version": __version__,
        "name": name or os.path.basename(os.path.abspath(out)), "networks": networks,
        "training": {"step": exported["step"], "generator": exported["generator"], "selected": exported["selected"],
                     "dataset": exported["dataset"], "params": exported["params"], "config": _public_config(
                         exported["config"]), "best": exported["best"]},
        "scores": _scores(exported["records"]),
    }
    if samples and artefact.network_role(exported["netG"]) == "generator":
        _sample_grid(exported["netG"], artefact.local_file(out, artefact.SAMPLES_FILE), int(samples), int(sample_seed))
        files[artefact.SAMPLES_FILE] = file_sha256(artefact.local_file(out, artefact.SAMPLES_FILE))
        manifest.update(samples=artefact.SAMPLES_FILE, samples_count=int(samples), samples_seed=int(sample_seed))
    manifest["files"] = files
    card = render_card(manifest["name"], manifest, manifest["scores"], license=license, description=description,
                       loading_hint=out)
    atomic_write(artefact.local_file(out, artefact.CARD_FILE), lambda f: f.write(card), "w", what="model card")
    atomic_json_dump(manifest, artefact.local_file(out, artefact.MANIFEST_FILE), what=artefact.MANIFEST_FILE)
    return out


def _public_config(config: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The run configuration without its private keys (``_path``: a path of the machine that trained)."""
    return None if config is None else {k: v for k, v in config.items() if not str(k).startswith("_")}


_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def _opener(source: StrPath, revision: Optional[str], cache_dir: Optional[StrPath],
            force_download: bool) -> Tuple[str, Callable[[str, Optional[str]], VerifiedFile], Optional[str]]:
    """``(description, open(file name, sha256) -> VerifiedFile, commit)`` for a folder or a Hub repository."""
    text = os.fspath(source)
    if os.path.isdir(text):
        folder = text

        def open_local(name: str, sha256: Optional[str]) -> VerifiedFile:
            path = artefact.local_file(folder, name)
            if not os.path.isfile(path):
                raise FileNotFoundError(f"{folder} has no {name}.")
            if sha256 is None:
                return VerifiedFile(path=path, sha256=file_sha256(path), source=path)
            return fetch(FileSpec(filename=name, path=path), sha256=sha256, what=name)

        return folder, open_local, None
    repo_id = text[len("hf://"):] if text.startswith("hf://") else text
    if "@" in repo_id:
        repo_id, _, revision = repo_id.partition("@")
    if not re.match(r"^[\w.\-]+/[\w.\-]+$", repo_id):
        raise FileNotFoundError(f"{text!r} is neither a folder nor a Hugging Face Hub repository ('owner/name', "
                                "'hf://owner/name' or 'owner/name@revision').")
    require_huggingface_hub("Networks on the Hugging Face Hub")
    first = FileSpec(filename=artefact.MANIFEST_FILE, repo_id=repo_id, revision=revision or "main")
    manifest_path = download_hub_file(first, cache_dir, force_download)  # no hash to check: the revision pins it
    match = re.search(r"snapshots[/\\]([0-9a-f]{40})[/\\]", manifest_path)
    commit = match.group(1) if match else revision

    def open_hub(name: str, sha256: Optional[str]) -> VerifiedFile:
        if name == artefact.MANIFEST_FILE:
            return VerifiedFile(path=manifest_path, sha256=file_sha256(manifest_path),
                                source=f"hf://{repo_id}@{commit}/{name}")
        spec = FileSpec(filename=name, repo_id=repo_id, revision=commit or revision or "main", sha256=sha256)
        return fetch(spec, cache_dir=cache_dir, force_download=force_download, what=name)

    return f"hf://{repo_id}@{commit}", open_hub, commit


def load_folder(source: StrPath, discriminator: bool = False, revision: Optional[str] = None,
                cache_dir: Optional[StrPath] = None, device: Any = None, force_download: bool = False,
                generator_class: Optional[Type[BaseModel]] = None,
                discriminator_class: Optional[Type[BaseModel]] = None) -> Pretrained:
    """The networks of a folder or Hub repository written by :func:`save_pretrained`, with its record.

    Args:
        source (str): a folder, or a Hub repository (``owner/name``, ``hf://owner/name``,
            ``owner/name@<commit>``).
        discriminator (bool): also build and load the discriminator (refused when none was published).
        revision (str): the Hub revision (a commit hash pins it; default ``'main'``).
        cache_dir (str): the Hugging Face cache folder (default ``$HF_HUB_CACHE``).
        device: where to put the networks (default CPU).
        generator_class, discriminator_class: build these classes instead of the ones named
            (needed for a class outside ``torch_mimicry``).

    Returns:
        Pretrained: the networks in eval mode; ``record`` is the folder's ``mimicry.json``.
    """
    where, open_file, commit = _opener(source, revision, cache_dir, force_download)
    manifest = artefact.read_manifest(open_file(artefact.MANIFEST_FILE, None).path, where)
    networks = manifest["networks"]
    roles = ["generator" if "generator" in networks else next(iter(networks))]
    if discriminator:
        if "discriminator" not in networks:
            raise ValueError(f"{where} publishes no discriminator (networks: {', '.join(networks)}).")
        roles.append("discriminator")
    built: Dict[str, BaseModel] = {}
    files: Dict[str, VerifiedFile] = {}
    for role in roles:
        entry = networks[role]
        given = generator_class if role != "discriminator" else discriminator_class
        try:
            named: Optional[Type[BaseModel]] = artefact.resolve_class(entry["class"])
        except ValueError:
            if given is None:
                raise
            named = None  # a class outside the library: the caller's own
        if given is None or (named is not None and issubclass(named, given)):
            cls = named if named is not None else given  # BaseGenerator.from_pretrained: the class named
        elif entry["class"].rsplit(":", 1)[-1].split(".")[-1] == given.__name__:
            cls = given
        else:
            raise ValueError(f"{where} holds a {entry['class']}, not a {given.__name__}.")
        assert cls is not None
        net = artefact.build_network(cls, entry.get("kwargs", {}), f"{where} ({role})")
        verified = open_file(entry["file"], entry["sha256"])
        artefact.load_weights(net, verified, "safetensors")
        built[role] = net.to(device or "cpu").eval()
        files[role] = verified
    record = dict(manifest, source=where)
    if commit:
        record["revision"] = commit
    netG = built.get("generator", built.get(roles[0]))
    return Pretrained(netG=netG, netD=built.get("discriminator"), record=record, files=files,
                      step=(manifest.get("training") or {}).get("step"))


def from_pretrained(source: StrPath, cls: Optional[Type[BaseModel]] = None, role: Optional[str] = None,
                    revision: Optional[str] = None, cache_dir: Optional[StrPath] = None, device: Any = None,
                    force_download: bool = False) -> BaseModel:
    """One network of a folder or Hub repository written by :func:`save_pretrained`.

    Args:
        source (str): a folder or a Hub repository (see :func:`load_folder`).
        cls (type): the class to build (default: the library class the folder names). A
            discriminator class picks the discriminator.
        role (str): ``'generator'`` (default) or ``'discriminator'``.
        revision, cache_dir, device, force_download: as for :func:`load_folder`.

    Returns:
        BaseModel: the network in eval mode.
    """
    from torch_mimicry.nets.gan import BaseDiscriminator
    if role is None:
        role = "discriminator" if cls is not None and issubclass(cls, BaseDiscriminator) else "generator"
    if role not in ("generator", "discriminator"):
        raise ValueError(f"role must be 'generator' or 'discriminator'; got {role!r}.")
    kind = {"generator_class": cls} if role == "generator" else {"discriminator_class": cls}
    loaded = load_folder(source, discriminator=role == "discriminator", revision=revision, cache_dir=cache_dir,
                         device=device, force_download=force_download, **kind)
    return loaded.netD if role == "discriminator" else loaded.netG


def push_to_hub(source: Union[BaseModel, StrPath], repo_id: str, private: Optional[bool] = None,
                token: Optional[str] = None, branch: Optional[str] = None, commit_message: Optional[str] = None,
                **save_kwargs: Any) -> Dict[str, Any]:
    """:func:`save_pretrained` into a Hugging Face Hub repository (created when missing).

    Args:
        source: a network or a run folder (as for :func:`save_pretrained`).
        repo_id (str): ``owner/name``.
        private (bool): make a new repository private.
        token (str): a Hub token (default: the login of ``huggingface-cli login`` / ``HF_TOKEN``).
        branch (str): the branch to commit to (default ``main``).
        commit_message (str): default ``'Upload <name> with torch-mimicry'``.
        **save_kwargs: :func:`save_pretrained`'s (``which``, ``step``, ``license``, ...).

    Returns:
        dict: ``repo_id``, ``commit`` (the revision that pins the upload), ``url`` and ``files``
        (``{file name: sha256}``), what a zoo entry needs (:func:`torch_mimicry.hub.entry_from_folder`).

    Raises:
        PermissionError: not logged in to the Hub (checked before anything is written).
    """
    hub = require_huggingface_hub("Publishing to the Hugging Face Hub")
    if not re.match(r"^[\w.\-]+/[\w.\-]+$", str(repo_id)):
        raise ValueError(f"repo_id must be 'owner/name'; got {repo_id!r}.")
    if (token or hub.get_token()) is None:
        raise PermissionError("Not logged in to the Hugging Face Hub: run `huggingface-cli login` (or `hf auth login`), "
                              "set HF_TOKEN, or pass token=...")
    api = hub.HfApi(token=token)
    folder = tempfile.mkdtemp(prefix="mimicry-push-")
    try:
        out = os.path.join(folder, repo_id.split("/")[1])
        save_kwargs.setdefault("name", repo_id.split("/")[1])
        save_pretrained(source, out, **save_kwargs)
        card_path = artefact.local_file(out, artefact.CARD_FILE)
        with open(card_path, encoding="utf-8") as f:
            card = f.read().replace(f"from_pretrained({out!r})", f"from_pretrained({repo_id!r})")
        atomic_write(card_path, lambda fh: fh.write(card), "w", what="model card")
        manifest = _read_json(artefact.local_file(out, artefact.MANIFEST_FILE))
        api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        info = api.upload_folder(repo_id=repo_id, folder_path=out, revision=branch, repo_type="model",
                                 commit_message=commit_message or f"Upload {manifest['name']} with torch-mimicry")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    commit = getattr(info, "oid", None)
    return {"repo_id": repo_id, "commit": commit, "url": getattr(info, "commit_url", None),
            "files": dict(manifest["files"])}
