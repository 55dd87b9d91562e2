"""A report of a training run: one HTML page with its images beside it, readable offline.

:func:`write_report` gathers from a log folder

* the run's settings (``params.json``, and ``config.json`` of ``mimicry train``),
* the training curves from the TensorBoard event files in ``data/`` (one chart per metric
  group: losses, probabilities, learning rates ``lr_D`` / ``lr_G``, ...),
* the metric curves from ``metrics/<metric>.json``: for each protocol, the mean over seeds
  against the step with a ± std band, and the protocol itself,
* the latest image grids of ``images/``,

and writes ``<out>/index.html`` (charts as inline SVG, no scripts, no network) with the grids
copied to ``<out>/images/``; optionally a PNG overview of the same content.
"""
from __future__ import annotations

import datetime
import html
import json
import os
import re
import shutil
from typing import Any, Dict, List, Optional, Sequence, Tuple

from torch_mimicry.utils.charts import LineChart, Series
from torch_mimicry.utils.run_layout import NETG, RunLayout

#: ``(metric, chart, protocol, records of the protocol sorted by step)``.
MetricItem = Tuple[str, LineChart, Dict[str, Any], List[Dict[str, Any]]]

__all__ = ["write_report", "collect_run", "metric_charts", "training_charts", "MetricItem"]

_GRID_RE = re.compile(r"^(fixed_fake_samples|fake_samples)_step_(\d+)\.png$")
_METRIC_TITLES = {"fid": "FID", "kid": "KID", "inception_score": "Inception Score",
                  "precision_recall": "Precision / recall", "density_coverage": "Density / coverage",
                  "swd": "SWD x 1e3"}
_GROUP_TITLES = {"loss": "Losses", "lr": "Learning rates", "prob": "Discriminator outputs (probabilities)"}


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError):
        return None


def _latest_grids(images_dir: str) -> Dict[str, Tuple[int, str]]:
    """``{'fixed_fake_samples': (step, path), 'fake_samples': (step, path)}`` of the newest grids."""
    latest: Dict[str, Tuple[int, str]] = {}
    if os.path.isdir(images_dir):
        for name in os.listdir(images_dir):
            m = _GRID_RE.match(name)
            if m and int(m.group(2)) >= latest.get(m.group(1), (-1, ""))[0]:
                latest[m.group(1)] = (int(m.group(2)), os.path.join(images_dir, name))
    return latest


def collect_run(log_dir: str) -> Dict[str, Any]:
    """Everything a report shows, read from ``log_dir`` (a dict)."""
    from torch_mimicry.utils.events import read_scalars
    log_dir = os.fspath(log_dir)
    metrics: Dict[str, List[Dict[str, Any]]] = {}
    layout = RunLayout(log_dir)
    metrics_dir = layout.metrics_dir
    if os.path.isdir(metrics_dir):
        for name in sorted(os.listdir(metrics_dir)):
            if name.endswith(".json"):
                data = _read_json(os.path.join(metrics_dir, name))
                if isinstance(data, dict) and isinstance(data.get("records"), list):
                    metrics[name[:-5]] = data["records"]
    return {"log_dir": log_dir, "params": _read_json(layout.params_file), "config": _read_json(layout.config_file),
            "scalars": read_scalars(layout.tensorboard_dir), "metrics": metrics,
            "grids": _latest_grids(layout.images_dir), "checkpoints": layout.steps(NETG)}


def training_charts(scalars: Dict[Any, List[Tuple[int, float]]], width: int = 560,
                    height: int = 300) -> List[LineChart]:
    """One :class:`LineChart` per TensorBoard group (ungrouped metrics: one each)."""
    groups: Dict[str, List[Tuple[str, List[Tuple[int, float]]]]] = {}
    for (group, name), points in scalars.items():
        groups.setdefault(group if group is not None else name, []).append((name, points))
    order = sorted(groups, key=lambda g: ({"loss": 0, "lr": 2}.get(g, 1), g))
    charts = []
    for group in order:
        series = [Series(name, [s for s, _ in pts], [v for _, v in pts]) for name, pts in groups[group]]
        title = _GROUP_TITLES.get(group, group)
        charts.append(LineChart(title, series, y_label="learning rate" if group == "lr" else "", width=width,
                                height=height))
    return charts


def _protocol_label(protocol: Dict[str, Any], others: Sequence[Dict[str, Any]]) -> str:
    """The entries that tell this protocol apart from the other protocols of its metric."""
    keys = sorted(k for k in protocol if any(o.get(k) != protocol.get(k) for o in others if o is not protocol))
    if not keys:
        return ""
    return ", ".join(f"{k}={json.dumps(protocol[k], sort_keys=True) if isinstance(protocol[k], dict) else protocol[k]}"
                     for k in keys[:3])


def metric_charts(metrics: Dict[str, List[Dict[str, Any]]], width: int = 560,
                  height: int = 300) -> List[MetricItem]:
    """``[(metric, chart, protocol, records)]``: one chart per metric and protocol."""
    out: List[MetricItem] = []
    for metric, recs in metrics.items():
        by_protocol: Dict[str, List[Dict[str, Any]]] = {}
        for rec in recs:
            key = json.dumps(rec.get("protocol"), sort_keys=True)
            by_protocol.setdefault(key, []).append(rec)
        protocols = [json.loads(k) for k in by_protocol]
        for key, group in by_protocol.items():
            group = sorted(group, key=lambda r: r.get("step", 0))
            steps = [r["step"] for r in group]
            first = group[0].get("mean")
            names = list(first) if isinstance(first, dict) else [None]
            series = []
            for name in names:
                mean = [r["mean"][name] if name else r["mean"] for r in group]
                std = [r["std"][name] if name else r["std"] for r in group]
                series.append(Series(name or metric, steps, mean, [m - s for m, s in zip(mean, std)],
                                     [m + s for m, s in zip(mean, std)]))
            protocol = json.loads(key)
            label = _protocol_label(protocol, protocols) if len(protocols) > 1 else ""
            title = _METRIC_TITLES.get(metric, metric) + (f" ({label})" if label else "")
            seeds = sorted({len(r.get("seeds", [])) for r in group})
            y_label = "mean ± std over " + "/".join(map(str, seeds)) + " seeds"
            out.append((metric, LineChart(title, series, y_label=y_label, width=width, height=height), protocol,
                        group))
    return out


_STYLE = """
body { font-family: sans-serif; margin: 24px auto; max-width: 1180px; color: #222; padding: 0 12px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.meta { color: #666; font-size: 13px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; } figcaption { font-size: 12px; color: #555; max-width: 560px; }
table { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
details { font-size: 12px; margin: 4px 0 10px; max-width: 560px; } summary { cursor: pointer; color: #444; }
img.grid { max-width: 560px; image-rendering: pixelated; border: 1px solid #ddd; }
"""


def _table(rows: Sequence[Tuple[object, object]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _flatten(d: Optional[Dict[str, Any]], prefix: str = "") -> List[Tuple[str, Any]]:
    rows: List[Tuple[str, Any]] = []
    for k, v in (d or {}).items():
        if isinstance(v, dict):
            rows += _flatten(v, f"{prefix}{k}.")
        else:
            rows.append((f"{prefix}{k}", json.dumps(v) if isinstance(v, (list, bool)) or v is None else v))
    return rows


def _settings_rows(run: Dict[str, Any]) -> List[Tuple[str, Any]]:
    p = run["params"] or {}
    rows: List[Tuple[str, Any]] = []
    for role in ("netG", "netD"):
        net = p.get(role) or {}
        if net:
            rows.append((role, f"{net.get('class', '?')} ({net.get('num_params', 0):,} parameters)"))
    for role in ("optG", "optD"):
        opt = p.get(role) or {}
        if opt:
            rows.append((role, ", ".join(f"{k}={v}" for k, v in opt.items())))
    for key in ("dataset", "dataset_size", "batch_size", "n_dis", "num_steps", "lr_decay", "seed", "device"):
        if key in p:
            rows.append((key, p[key]))
    if run["checkpoints"]:
        rows.append(("checkpoints", f"{len(run['checkpoints'])}, latest step {run['checkpoints'][-1]}"))
    return rows


def _latest_table(group: List[Dict[str, Any]]) -> str:
    rec = group[-1]
    mean, std = rec["mean"], rec["std"]
    if isinstance(mean, dict):
        value = ", ".join(f"{n} {mean[n]:.4g} ± {std[n]:.3g}" for n in mean)
    else:
        value = f"{mean:.4g} ± {std:.3g}"
    return f"step {rec['step']}: {value} (seeds {rec.get('seeds')})"


def _html(run: Dict[str, Any], train_charts: List[LineChart], metric_items: List[MetricItem],
          grid_files: Dict[str, Tuple[int, str]], title: str) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8" />',
             f"<title>{html.escape(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
             f"<h1>{html.escape(title)}</h1>"]
    from torch_mimicry import __version__
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f'<p class="meta">Log folder {html.escape(os.path.abspath(run["log_dir"]))}; written {stamp} by '
                 f"torch_mimicry {html.escape(__version__)}.</p>")
    rows = _settings_rows(run)
    if rows:
        parts += ["<h2>Run</h2>", _table(rows)]
    if run["config"]:
        cfg_rows = [(k, v) for k, v in _flatten(run["config"]) if not k.startswith("_")]
        parts.append(f"<details><summary>configuration (config.json)</summary>{_table(cfg_rows)}</details>")
    parts.append("<h2>Training curves</h2>")
    if train_charts:
        parts.append('<div class="charts">' + "".join(f"<figure>{c.svg()}</figure>" for c in train_charts) + "</div>")
    else:
        parts.append('<p class="meta">No TensorBoard scalars in data/ yet (they are written every log_steps).</p>')
    parts.append("<h2>Metrics</h2>")
    if not metric_items:
        parts.append('<p class="meta">No scores in metrics/ yet (run <code>mimicry evaluate</code> or '
                     "<code>mmc.metrics.evaluate</code>).</p>")
    for metric, chart, protocol, group in metric_items:
        parts.append(f"<figure>{chart.svg()}<figcaption>{html.escape(_latest_table(group))}</figcaption></figure>")
        parts.append(f"<details><summary>protocol of {html.escape(metric)}</summary>{_table(_flatten(protocol))}"
                     "</details>")
    parts.append("<h2>Samples</h2>")
    if not grid_files:
        parts.append('<p class="meta">No image grids in images/ yet (they are written every vis_steps).</p>')
    else:
        parts.append('<div class="charts">')
        for label, (step, rel) in grid_files.items():
            caption = f"{label.replace('_', ' ')} at step {step}"
            parts.append(f'<figure><img class="grid" src="{html.escape(rel)}" alt="{html.escape(caption)}" />'
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        parts.append("</div>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _overview_png(path: str, title: str, charts: List[LineChart], grids: List[Tuple[str, str]]) -> None:
    """The charts (two columns) and the image grids (``[(caption, path)]``) on one PNG."""
    from PIL import Image, ImageDraw, ImageFont
    cw, ch, gap = 560, 300, 16
    cols = 2
    rows = (len(charts) + cols - 1) // cols
    captions = [c for c, _ in grids]
    images = [Image.open(p).convert("RGB") for _, p in grids]
    grid_h = max((g.height for g in images), default=0) + 24
    width = cols * cw + (cols + 1) * gap
    height = 56 + rows * (ch + gap) + (grid_h + 40 if images else 0) + gap
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.load_default(size=20)
    except TypeError:  # pragma: no cover
        font = ImageFont.load_default()
    draw.text((gap, 16), title, fill=(17, 17, 17), font=font)
    for i, chart in enumerate(charts):
        chart.draw(image, (gap + (i % cols) * (cw + gap), 56 + (i // cols) * (ch + gap)))
    x, y = gap, 56 + rows * (ch + gap) + 8
    try:
        small = ImageFont.load_default(size=13)
    except TypeError:  # pragma: no cover
        small = font
    for caption, g in zip(captions, images):
        draw.text((x, y), caption, fill=(51, 51, 51), font=small)
        image.paste(g, (x, y + 22))
        x += max(g.width, 200) + gap
    from torch_mimicry.utils.io import atomic_write
    atomic_write(path, lambda f: image.save(f, format="PNG"), "wb")


def write_report(log_dir: str, out_dir: Optional[str] = None, png: Optional[str] = None) -> str:
    """Writes the report of the run in ``log_dir``.

    Args:
        log_dir (str): the run's folder (``params.json``, ``data/``, ``metrics/``, ``images/``).
        out_dir (str): where to write ``index.html`` and ``images/`` (default ``log_dir/report``).
        png (str): also write a PNG overview (charts and grids) to this file.

    Returns:
        str: the path of ``index.html``.

    Raises:
        FileNotFoundError: ``log_dir`` is not a folder, or holds nothing a report could show.
    """
    log_dir = os.fspath(log_dir)
    if not os.path.isdir(log_dir):
        raise FileNotFoundError(f"Log folder {log_dir!r} not found.")
    run = collect_run(log_dir)
    if not (run["params"] or run["scalars"] or run["metrics"] or run["grids"]):
        raise FileNotFoundError(f"{log_dir!r} holds no params.json, TensorBoard data, metrics or images; is it the "
                                "log_dir of a training run?")
    out_dir = os.fspath(out_dir) if out_dir is not None else os.path.join(log_dir, "report")
    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    grid_files = {}
    for label in ("fixed_fake_samples", "fake_samples"):
        if label in run["grids"]:
            step, src = run["grids"][label]
            rel = f"images/{os.path.basename(src)}"
            shutil.copyfile(src, os.path.join(out_dir, rel))
            grid_files[label] = (step, rel)
    train = training_charts(run["scalars"])
    metric_items = metric_charts(run["metrics"])
    title = f"Run report: {os.path.basename(os.path.abspath(log_dir))}"
    page = os.path.join(out_dir, "index.html")
    from torch_mimicry.utils.io import atomic_write
    text = _html(run, train, metric_items, grid_files, title)
    atomic_write(page, lambda f: f.write(text.encode("utf-8")), "wb")
    if png is not None:
        _overview_png(png, title, train + [c for _, c, _, _ in metric_items],
                      [(f"{label.replace('_', ' ')} at step {step}", os.path.join(out_dir, rel))
                       for label, (step, rel) in grid_files.items()][:1])
    return page
