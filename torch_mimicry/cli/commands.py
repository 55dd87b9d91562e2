"""The ``mimicry`` commands; each takes the parsed arguments and returns an exit status."""
from __future__ import annotations

import argparse
import json
import os
from typing import Any, Dict, Optional, Tuple

from torch_mimicry.cli import config as cfg
from torch_mimicry.utils.run_layout import NETG, RunLayout

__all__ = ["train", "evaluate", "sample", "stats", "report", "zoo"]


def _device(name: Optional[str]) -> Any:
    import torch
    return torch.device(name or ("cuda:0" if torch.cuda.is_available() else "cpu"))


def train(args: argparse.Namespace) -> int:
    """``mimicry train CONFIG``: builds the run of a configuration and trains (or resumes) it."""
    overrides = list(args.overrides) + ([f"trainer.log_dir={args.log_dir}"] if args.log_dir else [])
    config = cfg.apply_overrides(cfg.load_config(args.config), overrides)
    trainer, netG, netD = cfg.build_training(config)
    log_dir = trainer.log_dir
    print(f"INFO: {type(netG).__name__} ({sum(p.numel() for p in netG.parameters()):,} parameters) and "
          f"{type(netD).__name__} ({sum(p.numel() for p in netD.parameters()):,}); log folder {log_dir}", flush=True)
    if args.dry_run:
        print("INFO: dry run: configuration, networks, data and Trainer are valid; nothing trained.")
        return 0
    previous = cfg.load_run_config(log_dir) if os.path.isdir(log_dir) else None
    cfg.save_run_config(log_dir, config)
    try:
        trainer.train()
    except BaseException:
        if previous is not None and previous != json.loads(json.dumps(config)):
            cfg.save_run_config(log_dir, previous)  # a refused resume leaves the run's configuration as it was
        raise
    return 0


def _latest_step(log_dir: str) -> int:
    from torch_mimicry.metrics import available_steps
    steps = available_steps(log_dir)
    if not steps:
        raise FileNotFoundError(f"No generator checkpoints in {RunLayout(log_dir).checkpoint_dir(NETG)!r}.")
    return steps[-1]


def _is_run(path: str) -> bool:
    return os.path.isdir(path) and not os.path.isfile(os.path.join(path, "mimicry.json"))


def _pretrained(args: argparse.Namespace, device: Any) -> Any:
    """The :class:`~torch_mimicry.hub.Pretrained` that ``args.log_dir`` names (a zoo name, a
    published folder or a Hub repository), or None for a run folder."""
    target = args.log_dir
    if _is_run(target):
        return None
    from torch_mimicry import hub
    if os.path.isdir(target):
        return hub.load_folder(target, device=device)
    if hub.is_pretrained_name(target):
        return hub.load_pretrained(target, device=device, sha256=args.sha256, path=args.file)
    if target.startswith("hf://") or (target.count("/") == 1 and not os.path.exists(target)
                                      and not target.startswith((".", "/"))):
        return hub.load_folder(target, revision=args.revision, device=device)
    try:
        hub.get_entry(target)
    except hub.UnknownModelError as e:
        raise FileNotFoundError(f"{target!r} is neither a log folder nor a pretrained model. {e}") from None
    return None


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("_") or "pretrained"


def _load_generator(args: argparse.Namespace, device: Any) -> Tuple[Any, Dict[str, Any]]:
    given = cfg.apply_overrides(cfg.load_config(args.config), []) if args.config else None
    netG, config = cfg.build_generator(args.log_dir, config=given, device=device)
    return netG, config


def evaluate(args: argparse.Namespace) -> int:
    """``mimicry evaluate LOG_DIR --metric M``: scores checkpoints, prints a summary per metric."""
    import numpy as np

    from torch_mimicry.metrics import METRICS, evaluate as run
    unknown = [m for m in args.metric if m not in METRICS]
    if unknown:
        raise ValueError(f"Unknown metric {unknown[0]!r}; choose from {', '.join(METRICS)}.")
    device = _device(args.device)
    pre = _pretrained(args, device)
    published: Dict[str, Dict[str, Any]] = {}
    if pre is None:
        if not os.path.isdir(args.log_dir):
            raise FileNotFoundError(f"Log folder {args.log_dir!r} not found.")
        netG, config = _load_generator(args, device)
    else:  # a pretrained model: its checkpoint in a run folder of its own, where the records go
        from torch_mimicry.metrics.inception.weights import mimicry_home
        name = str(pre.record.get("name") or args.log_dir)
        args.log_dir = args.zoo_dir or os.path.join(mimicry_home(), "pretrained", _safe_name(name))
        netG, step = pre.netG, int(pre.step or 0)
        netG.save_checkpoint(RunLayout(args.log_dir).checkpoint_dir(NETG), step, name=os.path.basename(
            RunLayout(args.log_dir).checkpoint_path(NETG, step)))
        dataset = pre.record.get("dataset")
        dataset = dataset.get("name") if isinstance(dataset, dict) else dataset
        dataset = dataset or (pre.record.get("training") or {}).get("dataset")
        config = {"dataset": dataset} if dataset else {}
        if args.split is None and isinstance(pre.record.get("dataset"), dict):
            args.split = pre.record["dataset"].get("split")
        for score in pre.record.get("scores", []):
            published.setdefault(score["metric"], score)
        print(f"INFO: {name} (step {step}) scored in {args.log_dir}", flush=True)
    kwargs = {"batch_size": args.batch_size, "verbose": not args.quiet}
    for name in ("num_samples", "num_real_samples", "num_fake_samples", "split", "weights"):
        if getattr(args, name) is not None:
            kwargs[name] = getattr(args, name)
    # options of one metric go to that metric only
    only = {"k": ("precision_recall", "density_coverage"), "splits": ("inception_score",),
            "num_subsets": ("kid",), "subset_size": ("kid",)}
    steps = {}
    if args.step:
        steps["evaluate_step"] = args.step
    if args.evaluate_range:
        try:
            steps["evaluate_range"] = tuple(int(v) for v in args.evaluate_range.split(":"))
        except ValueError:
            raise ValueError(f"--range expects START:END:INTERVAL integers; got {args.evaluate_range!r}.") from None
    for metric in args.metric:
        mkw = dict(kwargs)
        mkw.update({n: getattr(args, n) for n, ms in only.items() if metric in ms and getattr(args, n) is not None})
        if metric in published and not any(getattr(args, n) is not None for n in
                                           ("num_samples", "num_real_samples", "num_fake_samples")):
            protocol = published[metric].get("protocol", {})  # the published sample counts
            for key in ("num_samples", "num_real_samples", "num_fake_samples", "splits", "num_subsets"):
                if protocol.get(key) is not None and (key not in only or metric in only[key]) \
                        and getattr(args, key, None) is None:
                    mkw[key] = protocol[key]
        if metric != "swd":
            mkw.update(backend=args.backend, resize=args.resize)
        if args.real_stats and metric in ("fid", "kid", "precision_recall", "density_coverage"):
            mkw["real_stats"] = args.real_stats
        elif metric != "inception_score":
            if args.dataset:
                mkw["dataset"] = args.dataset
                if args.dataset_root:
                    mkw["dataset_root"] = args.dataset_root
            elif config.get("dataset") is not None:  # the run's training set
                name, root, extra = cfg.dataset_spec(config)
                mkw.update(dataset=name, dataset_root=args.dataset_root or root)
                if extra:
                    mkw["dataset_kwargs"] = extra
            else:
                raise ValueError(f"{metric} needs real images and the run's configuration names no dataset: pass "
                                 "--dataset NAME (with --dataset-root) or --real-stats FILE.")
        results = run(metric, netG, args.log_dir, num_runs=args.num_runs, start_seed=args.start_seed,
                      overwrite=args.overwrite, device=device, **steps, **mkw)
        for step, values in results.items():
            if isinstance(values[0], dict):
                text = ", ".join(f"{n} {np.mean([v[n] for v in values]):.4f} ± {np.std([v[n] for v in values]):.4f}"
                                 for n in values[0])
            else:
                text = f"{np.mean(values):.4f} ± {np.std(values):.4f}"
            print(f"{metric} step {step}: {text}", flush=True)
        if metric in published:
            from torch_mimicry.hub.card import protocol_summary
            p = published[metric]
            spread = f" ± {p['std']}" if p.get("std") is not None else ""
            print(f"{metric} published: {p['mean']}{spread} ({protocol_summary(p.get('protocol', {}))}; "
                  f"{p.get('source', '')})", flush=True)
    return 0


def sample(args: argparse.Namespace) -> int:
    """``mimicry sample LOG_DIR``: a PNG grid of ``--num`` images of a checkpoint."""
    import inspect

    import torch
    import torchvision.utils as vutils
    if args.num < 1:
        raise ValueError(f"--num must be >= 1; got {args.num}.")
    device = _device(args.device)
    pre = _pretrained(args, device)
    if pre is not None:
        netG, step = pre.netG, pre.step
        if args.step is not None and args.step != step:
            raise ValueError(f"{args.log_dir!r} holds the weights of step {step} only; leave out --step.")
        default_out = f"samples_{_safe_name(str(pre.record.get('name') or args.log_dir))}_seed_{args.seed}.png"
    else:
        netG, _ = _load_generator(args, device)
        step = args.step if args.step is not None else _latest_step(args.log_dir)
        ckpt = RunLayout(args.log_dir).checkpoint_path(NETG, step)
        if not os.path.isfile(ckpt):
            from torch_mimicry.metrics import available_steps
            raise FileNotFoundError(f"No checkpoint for step {step} in {os.path.dirname(ckpt)!r}; available steps: "
                                    f"{available_steps(args.log_dir) or 'none'}.")
        default_out = os.path.join(RunLayout(args.log_dir).samples_dir, f"samples_step_{step}_seed_{args.seed}.png")
    kwargs = {}
    if args.truncation is not None:
        if "truncation" not in inspect.signature(netG.generate_images).parameters:
            raise ValueError(f"{type(netG).__name__} has no truncation (generate_images takes no 'truncation').")
        kwargs["truncation"] = args.truncation
    if pre is None:
        netG.restore_checkpoint(ckpt, optimizer=None)
    netG.eval()
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(args.seed)
        images = netG.generate_images(args.num, device=device, **kwargs)
    out = args.output or default_out
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    nrow = args.nrow or max(1, int(round(args.num ** 0.5)))
    from torch_mimicry.utils.io import atomic_write
    atomic_write(out, lambda f: vutils.save_image(images.float().cpu(), f, nrow=nrow, padding=2, normalize=True,
                                                  value_range=(-1, 1), format="png"), "wb")
    print(f"INFO: {args.num} images of step {step} (seed {args.seed}) written to {out}")
    return 0


def stats(args: argparse.Namespace) -> int:
    """``mimicry stats DATASET -o FILE``: reference statistics of a dataset."""
    from torch_mimicry import __version__
    from torch_mimicry.datasets import dataset_names
    from torch_mimicry.metrics import features, save_reference_stats
    from torch_mimicry.metrics.inception.resize import check_resize
    from torch_mimicry.metrics.real_stats import dataset_identity, real_features, resolve_dataset
    check_resize(args.resize)
    name, root, kwargs = args.dataset, args.dataset_root, {}
    if name not in dataset_names():
        if not os.path.isdir(name):
            raise ValueError(f"{name!r} is neither a dataset name ({', '.join(dataset_names())}) nor a folder of "
                             "images.")
        name, root = "image_folder", args.dataset
    if args.image_size is not None:
        kwargs["image_size"] = args.image_size
    ds = resolve_dataset(name, root, args.split, kwargs)
    num = args.num_samples if args.num_samples is not None else len(ds)
    if not 2 <= num <= len(ds):
        raise ValueError(f"--num-samples must be between 2 and the dataset's {len(ds)} images; got {num}.")
    identity = dataset_identity(name, ds, args.split, dataset_kwargs=kwargs or None)
    weights_id = features.weights_hash(args.weights)
    pool3 = real_features(ds, identity, num, real_seed=args.real_seed, weights_id=weights_id, weights=args.weights,
                          backend=args.backend, batch_size=args.batch_size, device=_device(args.device), verbose=True,
                          resize=args.resize)
    protocol = {"dataset": identity, "num_samples": num, "real_seed": args.real_seed, "weights_hash": weights_id,
                "backend": args.backend, "resize": args.resize, "image_format": "uint8",
                "library_version": __version__}
    out = save_reference_stats(args.output, pool3, protocol=protocol, keep_features=args.keep_features)
    print(f"INFO: statistics of {num} images of {identity['name']} ({identity['split']}) written to {out}")
    return 0


def report(args: argparse.Namespace) -> int:
    """``mimicry report LOG_DIR``: the HTML report of a run."""
    from torch_mimicry.utils.report import write_report
    page = write_report(args.log_dir, args.output, png=args.png)
    print(f"INFO: report written to {page}" + (f" (overview: {args.png})" if args.png else ""))
    return 0


def zoo(args: argparse.Namespace) -> int:
    """``mimicry zoo [FILTER]``: the pretrained models, their datasets and published scores."""
    from torch_mimicry import hub
    names = hub.list_pretrained(args.filter)
    if not names:
        print(f"No pretrained model matches {args.filter!r}.")
        return 1
    for name in names:
        entry = hub.get_entry(name)
        scores = ", ".join(f"{s.metric} {s.mean:g}" for s in entry.scores)
        hashed = "" if entry.files["generator"].sha256 else "  [no recorded sha256: pass --sha256]"
        print(f"{name:28s} {entry.dataset.get('name', '?'):18s} {scores}{hashed}")
    return 0
