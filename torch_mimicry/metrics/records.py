"""JSON records of metric scores: ``<log_dir>/metrics/<metric>.json``.

The file holds ``{"format": 1, "records": [record, ...]}``. A record is one step of one
protocol::

    {"metric": "fid", "step": 1000,
     "protocol": {...everything that determines the score...},
     "scores": {"0": 31.2, "1": 31.5}, "seeds": [0, 1], "mean": 31.35, "std": 0.15,
     "library_version": "0.2.0", "torch_version": "2.4.0", "updated": "2024-...Z"}

A metric with several values per run (precision and recall, density and coverage, SWD per
pyramid level) stores each seed's score as an object of named values, and ``mean`` / ``std``
as objects with the same names::

    "scores": {"0": {"precision": 0.71, "recall": 0.52}}, "mean": {"precision": 0.71, ...}

A request is served from a record when the step and the protocol are equal and every
requested seed has a score. Records written before the resize protocol was recorded hold no
``resize`` entry; they were made with ``'tf1'`` and match requests for it. Files are
replaced atomically (temporary file, then rename).
"""
import datetime
import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from torch_mimicry.utils.io import atomic_json_dump
from torch_mimicry.utils.run_layout import RunLayout

__all__ = ["records_path", "load_records", "find_record", "make_record", "save_record"]

FORMAT_VERSION = 1

#: One seed's score: a float, or named floats (``{"precision": 0.71, "recall": 0.52}``).
Score = Union[float, Dict[str, float]]
#: A record: the JSON object described in the module docstring.
Record = Dict[str, Any]


def records_path(log_dir: Union[str, "os.PathLike[str]"], metric: str) -> str:
    """``<log_dir>/metrics/<metric>.json`` (:meth:`RunLayout.metric_records
    <torch_mimicry.utils.run_layout.RunLayout.metric_records>`)."""
    return RunLayout(log_dir).metric_records(metric)


def load_records(path: str) -> List[Record]:
    """The records in ``path`` (a list; empty when the file does not exist).

    Raises:
        ValueError: the file exists but is not a records file.
    """
    if not os.path.exists(path):
        return []
    with open(path) as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path!r} is not valid JSON ({e}); move it away to start a new record file.") from e
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise ValueError(f"{path!r} is not a metric record file (expected an object with a 'records' list); "
                         "move it away to start a new record file.")
    return data["records"]


def _normalise(protocol: Any) -> Any:
    """JSON round trip, so protocols compare equal however they were built (tuples, ints)."""
    return json.loads(json.dumps(protocol, sort_keys=True))


def _with_legacy_defaults(stored: Any, requested: Mapping[str, Any]) -> Any:
    """``stored`` with the entries that older records left implicit filled in as ``requested`` has them."""
    if isinstance(stored, dict) and "resize" not in stored and requested.get("resize") == "tf1":
        return dict(stored, resize="tf1")
    return stored


def find_record(records: Iterable[Record], step: int, protocol: Mapping[str, Any]) -> Optional[Record]:
    """The record of ``step`` with an equal protocol, or None."""
    protocol = _normalise(protocol)
    for rec in records:
        if rec.get("step") == int(step) and _with_legacy_defaults(rec.get("protocol"), protocol) == protocol:
            return rec
    return None


def _summary(values: Sequence[Any]) -> Tuple[Any, Any]:
    """``(mean, std)`` (ddof 0) of floats, or dicts of them name by name."""
    if values and isinstance(values[0], dict):
        names = list(values[0])
        stats = {n: _summary([float(v[n]) for v in values]) for n in names}
        return {n: m for n, (m, _) in stats.items()}, {n: s for n, (_, s) in stats.items()}
    return float(np.mean(values)), float(np.std(values))


def make_record(metric: str, step: int, protocol: Mapping[str, Any], scores: Mapping[Any, Score]) -> Record:
    """A record of ``scores`` (``{seed: score}``, a score a float or a dict of named floats) with
    mean / std (ddof 0) over all its seeds."""
    import torch

    from torch_mimicry import __version__
    scores = {int(s): v for s, v in scores.items()}
    seeds = sorted(scores)
    values = [{n: float(x) for n, x in v.items()} if isinstance(v, dict) else float(v)
              for v in (scores[s] for s in seeds)]
    mean, std = _summary(values)
    return {
        "metric": metric,
        "step": int(step),
        "protocol": _normalise(protocol),
        "scores": {str(s): v for s, v in zip(seeds, values)},
        "seeds": seeds,
        "mean": mean,
        "std": std,
        "library_version": __version__,
        "torch_version": torch.__version__,
        "updated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def save_record(path: str, record: Record) -> None:
    """Adds ``record`` to the file at ``path``, replacing one of the same step and protocol."""
    records = [r for r in load_records(path)
               if not (r.get("step") == record["step"] and r.get("protocol") == record["protocol"])]
    records.append(record)
    records.sort(key=lambda r: (json.dumps(r.get("protocol"), sort_keys=True), r.get("step", 0)))
    atomic_write_json({"format": FORMAT_VERSION, "records": records}, path)


def atomic_write_json(obj: Any, path: str) -> None:
    """Writes ``obj`` as JSON to ``path`` via a temporary file in the same folder and a rename
    (:func:`torch_mimicry.utils.io.atomic_json_dump`; a full disk raises SaveError)."""
    atomic_json_dump(obj, path, indent=2, what=f"metric records {os.path.basename(path)}")
