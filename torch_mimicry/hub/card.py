"""The model card of a published network: ``README.md`` with YAML metadata, as the Hugging Face Hub reads it.

The metadata (between ``---`` lines) holds ``library_name``, ``tags``, ``pipeline_tag``,
``datasets``, an optional ``license`` and, when there are scores, a ``model-index`` with one
result per metric. The text below shows the architecture and constructor arguments, the
training settings, the scores with their protocols, the sample grid, the files with their
SHA-256 and how to load the network.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence

__all__ = ["render_card", "protocol_summary"]

#: Metric names of the model-index (the Hub's metric types).
_METRIC_TYPES = {"fid": "fid", "kid": "kid", "inception_score": "inception-score", "precision_recall": "precision",
                 "density_coverage": "density", "swd": "swd"}
_METRIC_NAMES = {"fid": "FID", "kid": "KID", "inception_score": "Inception Score", "swd": "SWD x1e3",
                 "precision_recall": "Precision / Recall", "density_coverage": "Density / Coverage"}


def protocol_summary(protocol: Mapping[str, Any]) -> str:
    """A protocol in one line: sample counts, splits or subsets, dataset, backend, resize."""
    parts: List[str] = []
    real, fake = protocol.get("num_real_samples"), protocol.get("num_fake_samples")
    if real is not None and fake is not None:
        parts.append(f"{real} real / {fake} generated")
    elif fake is not None or protocol.get("num_samples") is not None:
        parts.append(f"{fake if fake is not None else protocol.get('num_samples')} samples")
    for key, label in (("splits", "splits"), ("num_subsets", "subsets"), ("num_runs", "seeds")):
        if protocol.get(key) is not None:
            parts.append(f"{protocol[key]} {label}")
    dataset = protocol.get("dataset")
    if isinstance(dataset, Mapping):
        dataset = dataset.get("name")
    if dataset:
        parts.append(f"{dataset}" + (f" ({protocol['split']})" if protocol.get("split") else ""))
    for key in ("backend", "resize"):
        if protocol.get(key):
            parts.append(f"{key} {protocol[key]}")
    if protocol.get("generator") == "ema":
        parts.append("EMA generator")
    return ", ".join(parts)


def _value(mean: Any, std: Any) -> str:
    if isinstance(mean, Mapping):
        return ", ".join(f"{k} {_value(v, (std or {}).get(k))}" for k, v in mean.items())
    return f"{mean:.4g}" + (f" ± {std:.2g}" if isinstance(std, (int, float)) else "")


def _yaml(data: Mapping[str, Any]) -> str:
    import yaml  # type: ignore[import-untyped]
    return str(yaml.safe_dump(json.loads(json.dumps(dict(data))), sort_keys=False, allow_unicode=True))


def render_card(name: str, manifest: Mapping[str, Any], scores: Sequence[Mapping[str, Any]],
                license: Optional[str] = None, loading_hint: Optional[str] = None,
                description: Optional[str] = None) -> str:
    """The text of ``README.md`` for a published network.

    Args:
        name (str): the model's name (the card's title).
        manifest (dict): the folder's ``mimicry.json`` (networks, training, files).
        scores (list of dict): ``{'metric', 'step', 'mean', 'std', 'seeds', 'protocol'}`` each.
        license (str): a license identifier for the metadata (none when not given).
        loading_hint (str): how to load it (the folder or repository name); default ``name``.
        description (str): a paragraph under the title.
    """
    networks: Mapping[str, Any] = manifest.get("networks", {})
    training: Mapping[str, Any] = manifest.get("training") or {}
    dataset = training.get("dataset")
    family = next((str(n["class"]).split(":")[0].split(".")[-1] for n in networks.values()), None)
    conditional = any(n.get("kwargs", {}).get("num_classes") for n in networks.values())
    task = "image-generation" if conditional else "unconditional-image-generation"
    meta: Dict[str, Any] = {"library_name": "torch-mimicry",
                            "tags": ["torch-mimicry", "gan", "generative-adversarial-network", task]
                            + ([family] if family else []),
                            "pipeline_tag": task}
    if license:
        meta["license"] = license
    if dataset:
        meta["datasets"] = [dataset]
    metrics = [{"type": _METRIC_TYPES.get(s["metric"], s["metric"]),
                "name": f"{_METRIC_NAMES.get(s['metric'], s['metric'])} ({protocol_summary(s.get('protocol', {}))})",
                "value": round(float(s["mean"]), 6)} for s in scores if isinstance(s.get("mean"), (int, float))]
    if metrics and dataset:
        meta["model-index"] = [{"name": name, "results": [{
            "task": {"type": task}, "dataset": {"name": dataset, "type": dataset}, "metrics": metrics}]}]
    lines = ["---", _yaml(meta).rstrip(), "---", "", f"# {name}", ""]
    if description:
        lines += [description, ""]
    lines += ["A GAN published with [torch-mimicry](https://pypi.org/project/torch-mimicry/) "
              f"{manifest.get('library_version', '')}.".replace(" .", "."), "", "## Architecture", "",
              "| network | class | constructor arguments | parameters | weights |", "|---|---|---|---|---|"]
    for role, net in networks.items():
        lines.append(f"| {role} | `{net['class']}` | `{json.dumps(net.get('kwargs', {}), sort_keys=True)}` | "
                     f"{net.get('num_params', 0):,} | `{net['file']}` |")
    lines += ["", "## Training", ""]
    params: Mapping[str, Any] = training.get("params") or {}
    if training.get("step") is not None:
        lines.append(f"Weights of step {training['step']}"
                     + (f" ({training['selected']})" if training.get("selected") else "") + ".")
    if params:
        shown = [(k, params.get(k)) for k in ("num_steps", "n_dis", "batch_size", "lr_decay", "dataset", "seed")
                 if params.get(k) is not None]
        for opt in ("optD", "optG"):
            if isinstance(params.get(opt), Mapping):
                o = params[opt]
                shown.append((opt, f"{o.get('class')} lr {o.get('lr')}, betas {o.get('betas')}"))
        for component in ("ema", "augmentation", "lecam", "precision"):
            if params.get(component):
                shown.append((component, json.dumps(params[component], sort_keys=True)))
        lines += ["", "| setting | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in shown]
        lines += ["", "All hyperparameters: [`params.json`](params.json)."]
    else:
        lines.append("No training record was published with these weights.")
    lines += ["", "## Scores", ""]
    if scores:
        lines += ["| metric | step | score | protocol |", "|---|---|---|---|"]
        for s in scores:
            seeds = s.get("seeds")
            spread = f" over seeds {seeds}" if seeds else ""
            lines.append(f"| {_METRIC_NAMES.get(s['metric'], s['metric'])} | {s.get('step')} | "
                         f"{_value(s.get('mean'), s.get('std'))}{spread} | {protocol_summary(s.get('protocol', {}))} |")
        lines += ["", "Each score with its full protocol: `metrics/<metric>.json` (the records of "
                      "`torch_mimicry.metrics.evaluate`)."]
    else:
        lines.append("No scores were recorded for these weights.")
    if manifest.get("samples"):
        lines += ["", "## Samples", "", f"![samples]({manifest['samples']})", "",
                  f"{manifest.get('samples_count', 64)} images, noise seed {manifest.get('samples_seed', 0)}."]
    hint = loading_hint or name
    lines += ["", "## Use", "", "```python", "import torch_mimicry as mmc", "",
              f"netG = mmc.hub.from_pretrained({hint!r})  # safetensors and JSON only, SHA-256 checked",
              "images = netG.generate_images(16)  # [16, 3, H, W] in [-1, 1]", "```", "", "## Files", "",
              "| file | SHA-256 |", "|---|---|"]
    for file_name, digest in sorted((manifest.get("files") or {}).items()):
        lines.append(f"| `{file_name}` | `{digest}` |")
    return "\n".join(lines) + "\n"
