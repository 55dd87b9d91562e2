"""Scalars from TensorBoard event files, read with tensorboard's own event-file loader (without
TensorFlow: :mod:`torch_mimicry.utils.tensorboard`).

Scalars are summary values with ``simple_value`` (or a one-element float ``tensor``). The Logger writes a metric
without a group as tag ``<name>`` in ``data/``, and the metrics of a group ``g`` as tag ``g``
in ``data/g_<name>/`` (``SummaryWriter.add_scalars``); :func:`read_scalars` gives both back
as ``(group, name)``. A run resumed after an interruption has several files per folder; a
step logged twice keeps its last value. A file cut short (the process was killed while
writing) is read up to its last complete record.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

from torch_mimicry.utils.tensorboard import event_file_loader

#: ``(group or None, metric name)``.
SeriesKey = Tuple[Optional[str], str]

__all__ = ["read_scalars", "iter_event_files", "SeriesKey"]


def iter_event_files(data_dir: str) -> List[Tuple[str, str]]:
    """``(folder relative to data_dir, path)`` of every event file, in write order within a folder."""
    found = []
    for folder, _, names in os.walk(data_dir):
        rel = os.path.relpath(folder, data_dir)
        for name in sorted(n for n in names if "tfevents" in n):
            found.append(("" if rel == "." else rel, os.path.join(folder, name)))
    return sorted(found, key=lambda item: (item[0], _timestamp(item[1]), item[1]))


def _timestamp(path: str) -> int:
    parts = os.path.basename(path).split(".")
    try:
        return int(parts[3])
    except (IndexError, ValueError):
        return 0


def _scalar(value: Any) -> Optional[float]:
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        return float(value.simple_value)
    if kind == "tensor" and len(value.tensor.float_val) == 1:
        return float(value.tensor.float_val[0])
    if kind == "tensor" and len(value.tensor.double_val) == 1:
        return float(value.tensor.double_val[0])
    return None


def read_scalars(data_dir: str) -> Dict[SeriesKey, List[Tuple[int, float]]]:
    """All scalar series under ``data_dir`` (a run's ``data/`` folder).

    Returns:
        dict: ``{(group or None, name): [(step, value), ...]}`` sorted by step.
    """
    series: Dict[SeriesKey, Dict[int, float]] = {}
    if not os.path.isdir(data_dir):
        return {}
    for folder, path in iter_event_files(data_dir):
        for event in event_file_loader(path).Load():
            if not event.HasField("summary"):
                continue
            for value in event.summary.value:
                scalar = _scalar(value)
                if scalar is None:
                    continue
                if folder:
                    group = value.tag
                    prefix = group + "_"
                    name = folder[len(prefix):] if folder.startswith(prefix) else folder
                    key: SeriesKey = (group, name)
                else:
                    key = (None, value.tag)
                series.setdefault(key, {})[int(event.step)] = scalar
    return {key: sorted(points.items()) for key, points in sorted(series.items(), key=lambda kv: (kv[0][0] or "",
                                                                                                kv[0][1]))}
