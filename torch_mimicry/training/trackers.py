"""Experiment trackers: where the :class:`~torch_mimicry.training.logger.Logger` writes scalars,
image grids and metric records.

``Trainer(loggers=[...])`` (or ``Logger(trackers=[...])``) takes tracker names or objects:

* ``'tensorboard'`` (the default, :class:`TensorBoardTracker`): event files in ``log_dir/data``;
* ``'wandb'`` (:class:`WandbTracker`): Weights & Biases, ``pip install 'torch-mimicry[wandb]'``;
* ``'mlflow'`` (:class:`MLflowTracker`): MLflow, ``pip install 'torch-mimicry[mlflow]'``.

A tracker is checked when the Logger is made (its package is importable, it is logged in or
logs offline), so a wrong setting fails before training starts. Its run starts at the first
thing logged: it gets the run's hyperparameters (``params.json``, flattened to
``optD.lr``-style keys), and its run id is written to ``log_dir/trackers/<name>.json`` (the
path is the run layout's, :meth:`~torch_mimicry.utils.run_layout.RunLayout.tracker_run_file`),
so when training resumes in the same ``log_dir`` the tracker continues the same run instead of
starting another. Under distributed training only rank 0 checks, starts and logs.

A tracker of your own subclasses :class:`Tracker` and implements its methods; each gets plain
numbers, a ``[3, H, W]`` float image in ``[0, 1]`` or a JSON record, never the networks.
The packages of W&B and MLflow are imported only when such a tracker is asked for.
"""
from __future__ import annotations

import contextlib
import difflib
import json
import netrc
import os
import re
import secrets
import string
import time
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union
from urllib.parse import urlparse

import torch

from torch_mimicry.utils.io import atomic_json_dump
from torch_mimicry.utils.run_layout import RunLayout
from torch_mimicry.utils.tensorboard import summary_writer

if TYPE_CHECKING:
    import numpy as np
    from torch.utils.tensorboard import SummaryWriter

__all__ = ["TRACKER_NAMES", "Tracker", "TensorBoardTracker", "WandbTracker", "MLflowTracker", "TrackerError",
           "TrackerUnavailableError", "TrackerLoginError", "make_trackers", "flatten_params"]

#: Tracker names ``Trainer(loggers=...)`` accepts.
TRACKER_NAMES = ("tensorboard", "wandb", "mlflow")

#: The project name (W&B) or experiment name (MLflow) when none is given.
DEFAULT_PROJECT = "torch-mimicry"


class TrackerError(RuntimeError):
    """An experiment tracker cannot be used as set up (the message says what to change)."""


class TrackerUnavailableError(TrackerError, ImportError):
    """The tracker's package is not installed."""


class TrackerLoginError(TrackerError):
    """The tracker logs to a server this process has no credentials for."""


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """``{'optD': {'lr': 2e-4}}`` -> ``{'optD.lr': 2e-4}``; lists and other values kept as they are."""
    flat: Dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Mapping):
            flat.update(flatten_params(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def grid_to_uint8(grid: torch.Tensor) -> "np.ndarray":
    """A ``[3, H, W]`` float image in ``[0, 1]`` as a ``[H, W, 3]`` uint8 array."""
    return (grid.detach().float().cpu().clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def _record_summary(record: Mapping[str, Any]) -> Dict[str, float]:
    """``{'<metric>': mean}`` of a metric record (``{'<metric>/<name>': mean}`` for named values)."""
    metric, mean = str(record.get("metric")), record.get("mean")
    if isinstance(mean, Mapping):
        return {f"{metric}/{name}": float(value) for name, value in mean.items()}
    return {metric: float(mean)} if isinstance(mean, (int, float)) else {}


class Tracker:
    """Base class of the experiment trackers the Logger writes to (see the module docstring).

    Attributes:
        name (str): the tracker's name; also the name of its run-id file in ``log_dir/trackers/``.
    """

    name = "tracker"

    def check(self) -> None:
        """Raises :class:`TrackerError` when the tracker cannot work (package missing, not logged in).

        Called when the Logger is made, before training starts; the default checks nothing.
        """

    def start(self, layout: RunLayout, params: Mapping[str, Any]) -> None:
        """Opens the tracker's run for the run folder ``layout``, or continues the one recorded there.

        Args:
            layout (RunLayout): the run's folder.
            params (dict): the run's hyperparameters (``params.json``; empty when there is none).
        """

    def log_scalars(self, scalars: Mapping[str, float], step: int,
                    groups: Optional[Mapping[str, str]] = None) -> None:
        """Logs ``{name: value}`` at generator step ``step``; ``groups`` maps names to their chart group."""

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        """Logs an image grid ``[3, H, W]`` (float, values in ``[0, 1]``) under ``tag`` at ``step``."""

    def log_record(self, record: Mapping[str, Any]) -> None:
        """Logs a metric record (:mod:`torch_mimicry.metrics.records`: score, step and protocol)."""

    def flush(self) -> None:
        """Writes what is pending."""

    def finish(self) -> None:
        """Closes the tracker's run; a later ``start`` continues it."""

    # -- the run id in the run folder -----------------------------------------------------------
    def load_run_state(self, layout: RunLayout) -> Dict[str, Any]:
        """What :meth:`save_run_state` recorded for this tracker in ``layout`` (empty when nothing)."""
        path = layout.tracker_run_file(self.name)
        if not os.path.isfile(path):
            return {}
        with open(path, encoding="utf-8") as f:
            try:
                state = json.load(f)
            except json.JSONDecodeError as e:
                raise TrackerError(f"{path} is not valid JSON ({e}); delete it to start a new {self.name} run.") from e
        return state if isinstance(state, dict) else {}

    def save_run_state(self, layout: RunLayout, state: Mapping[str, Any]) -> None:
        """Writes ``state`` (the tracker's run id and names) to ``log_dir/trackers/<name>.json``."""
        atomic_json_dump(dict(state), layout.tracker_run_file(self.name), what=f"{self.name} run id")


class TensorBoardTracker(Tracker):
    """TensorBoard event files in ``log_dir/data`` (``torch.utils.tensorboard``, without TensorFlow).

    Scalars of one group share a chart (``add_scalars``), others get their own; images are
    logged as they are.

    Args:
        flush_secs (int): seconds between flushes of the event file.
    """

    name = "tensorboard"

    def __init__(self, flush_secs: int = 120) -> None:
        self.flush_secs = int(flush_secs)
        self.folder: Optional[str] = None
        self._writer: Optional["SummaryWriter"] = None

    def start(self, layout: RunLayout, params: Mapping[str, Any]) -> None:
        self.folder = layout.tensorboard_dir

    @property
    def writer(self) -> "SummaryWriter":
        """The SummaryWriter, made on first use."""
        if self._writer is None:
            if self.folder is None:
                raise TrackerError("TensorBoardTracker.start(layout, params) must run before it writes.")
            self._writer = summary_writer(self.folder, flush_secs=self.flush_secs)
        return self._writer

    def log_scalars(self, scalars: Mapping[str, float], step: int,
                    groups: Optional[Mapping[str, str]] = None) -> None:
        grouped: Dict[str, Dict[str, float]] = {}
        for name, value in scalars.items():
            group = (groups or {}).get(name)
            if group is None:
                self.writer.add_scalar(name, value, global_step=step)
            else:
                grouped.setdefault(group, {})[name] = value
        for group, values in grouped.items():
            self.writer.add_scalars(group, values, global_step=step)

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        self.writer.add_image(tag, image, global_step=step)

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def finish(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _grouped_name(name: str, groups: Optional[Mapping[str, str]]) -> str:
    group = (groups or {}).get(name)
    return f"{group}/{name}" if group else name


class WandbTracker(Tracker):
    """Weights & Biases (``pip install 'torch-mimicry[wandb]'``).

    Args:
        project (str): the W&B project; default ``$WANDB_PROJECT`` or ``'torch-mimicry'``.
        name (str): the run's display name; default the name of ``log_dir``.
        entity (str): the W&B team or user; default W&B's.
        mode (str): ``'online'``, ``'offline'`` (files in ``log_dir/trackers/wandb``, sent later
            with ``wandb sync``) or ``'disabled'``; default ``$WANDB_MODE`` or ``'online'``.
        tags (list of str), group (str): W&B's run tags and group.

    ``online`` needs a W&B login (``wandb login`` or ``WANDB_API_KEY``), checked before training.
    A resumed training run continues the W&B run of the same id (``resume='allow'``); W&B drops
    points of steps below the last one it has, so steps repeated after a resume from an
    earlier checkpoint are logged once.
    """

    name = "wandb"
    MODES = ("online", "offline", "disabled")

    def __init__(self, project: Optional[str] = None, name: Optional[str] = None, entity: Optional[str] = None,
                 mode: Optional[str] = None, tags: Optional[Sequence[str]] = None, group: Optional[str] = None) -> None:
        self.project, self.run_name, self.entity = project, name, entity
        self.mode = mode
        self.tags = list(tags) if tags is not None else None
        self.group = group
        self.run: Any = None

    def resolved_mode(self) -> str:
        """The mode the run will use: the argument, ``$WANDB_MODE``, or ``'online'``."""
        mode = (self.mode or os.environ.get("WANDB_MODE") or "online").strip().lower()
        if mode == "dryrun":
            mode = "offline"
        if mode not in self.MODES:
            raise ValueError(f"WandbTracker mode must be one of {', '.join(self.MODES)}; got {mode!r}.")
        return mode

    @staticmethod
    def _import() -> Any:
        try:
            import wandb
        except ImportError as e:
            raise TrackerUnavailableError(
                f"Logging to Weights & Biases needs the wandb package ({e}): pip install 'torch-mimicry[wandb]' "
                "(or pip install wandb), or leave 'wandb' out of loggers=.") from None
        return wandb

    @staticmethod
    def has_credentials() -> bool:
        """True when ``WANDB_API_KEY`` is set or ``~/.netrc`` holds a key for the W&B server."""
        if os.environ.get("WANDB_API_KEY", "").strip():
            return True
        host = urlparse(os.environ.get("WANDB_BASE_URL") or "https://api.wandb.ai").hostname or "api.wandb.ai"
        path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
        try:
            return bool(netrc.netrc(path).authenticators(host))
        except (OSError, netrc.NetrcParseError):
            return False

    def check(self) -> None:
        mode = self.resolved_mode()
        self._import()
        if mode == "online" and not self.has_credentials():
            raise TrackerLoginError(
                "Weights & Biases is not logged in on this machine (no WANDB_API_KEY and no key in ~/.netrc): run "
                "`wandb login`, or set WANDB_API_KEY, or log offline with WandbTracker(mode='offline') or "
                "WANDB_MODE=offline (send the run later with `wandb sync`).")

    def start(self, layout: RunLayout, params: Mapping[str, Any]) -> None:
        wandb = self._import()
        state = self.load_run_state(layout)
        run_id = state.get("run_id") or "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))
        project = self.project or state.get("project") or os.environ.get("WANDB_PROJECT") or DEFAULT_PROJECT
        os.makedirs(layout.trackers_dir, exist_ok=True)
        self.run = wandb.init(project=project, entity=self.entity or state.get("entity"), id=run_id,
                              name=self.run_name or os.path.basename(os.path.abspath(layout.root)),
                              resume="allow", dir=layout.trackers_dir, mode=self.resolved_mode(), tags=self.tags,
                              group=self.group, reinit="create_new",
                              settings=wandb.Settings(console="off", silent=True))
        self.save_run_state(layout, {"run_id": run_id, "project": project, "entity": self.entity,
                                     "mode": self.resolved_mode()})
        self.run.config.update(flatten_params(params), allow_val_change=True)

    def _run(self) -> Any:
        if self.run is None:
            raise TrackerError("WandbTracker.start(layout, params) must run before it logs.")
        return self.run

    def log_scalars(self, scalars: Mapping[str, float], step: int,
                    groups: Optional[Mapping[str, str]] = None) -> None:
        self._run().log({_grouped_name(k, groups): float(v) for k, v in scalars.items()}, step=int(step))

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        wandb = self._import()
        self._run().log({tag: wandb.Image(grid_to_uint8(image))}, step=int(step))

    def log_record(self, record: Mapping[str, Any]) -> None:
        run = self._run()
        for key, value in _record_summary(record).items():
            run.summary[f"metrics/{key}"] = value
        run.summary[f"metrics/{record.get('metric')}_record"] = json.loads(json.dumps(dict(record)))

    def finish(self) -> None:
        if self.run is not None:
            self.run.finish()
            self.run = None


_MLFLOW_INVALID = re.compile(r"[^\w.\- :/]")


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class MLflowTracker(Tracker):
    """MLflow (``pip install 'torch-mimicry[mlflow]'``), through ``mlflow.MlflowClient``.

    Args:
        tracking_uri (str): the tracking store: a server (``http://host:5000``), a database
            (``sqlite:///mlflow.db``) or a folder (``file:///path/mlruns``; MLflow 3 asks for
            ``MLFLOW_ALLOW_FILE_STORE=true`` for that one). Default: MLflow's
            (``$MLFLOW_TRACKING_URI``, else its own default).
        experiment (str): the experiment; default ``$MLFLOW_EXPERIMENT_NAME`` or ``'torch-mimicry'``.
        run_name (str): default the name of ``log_dir``.
        tags (dict): run tags.

    Metric names keep the characters MLflow allows (others become ``_``: ``D(G(z))`` is logged
    as ``prob/D_G_z__``). A resumed training run continues the same MLflow run; hyperparameters
    already logged keep their first value (MLflow refuses to change one), new ones are added.
    A server's credentials (``MLFLOW_TRACKING_TOKEN`` or ``MLFLOW_TRACKING_USERNAME`` /
    ``MLFLOW_TRACKING_PASSWORD``) are checked with one request before training.
    """

    name = "mlflow"

    def __init__(self, tracking_uri: Optional[str] = None, experiment: Optional[str] = None,
                 run_name: Optional[str] = None, tags: Optional[Mapping[str, str]] = None) -> None:
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self.run_name = run_name
        self.tags = dict(tags or {})
        self.client: Any = None
        self.resolved_uri = ""
        self.run_id: Optional[str] = None

    @staticmethod
    def _import() -> Any:
        try:
            from mlflow.tracking import MlflowClient
        except ImportError as e:
            raise TrackerUnavailableError(
                f"Logging to MLflow needs the mlflow package ({e}): pip install 'torch-mimicry[mlflow]' "
                "(or pip install mlflow), or leave 'mlflow' out of loggers=.") from None
        return MlflowClient

    def _client(self) -> Any:
        if self.client is None:
            client_class = self._import()
            from mlflow.exceptions import MlflowException
            uri = self.tracking_uri
            if uri is None:
                import mlflow
                uri = mlflow.get_tracking_uri()
            try:
                self.client = client_class(tracking_uri=uri)  # makes the store: a refused URI raises here
            except MlflowException as e:
                self.client = None
                raise TrackerError(f"MLflow cannot use the tracking store {uri!r}: {e}") from None
            self.resolved_uri = uri
        return self.client

    def check(self) -> None:
        client = self._client()
        scheme = urlparse(self.resolved_uri).scheme
        if scheme not in ("http", "https", "databricks"):
            return
        from mlflow.exceptions import MlflowException
        try:
            with _environment(MLFLOW_HTTP_REQUEST_MAX_RETRIES="0", MLFLOW_HTTP_REQUEST_TIMEOUT="15"):
                client.search_experiments(max_results=1)
        except MlflowException as e:
            text = str(e)
            if any(code in text for code in ("401", "403", "Unauthorized", "Forbidden", "credentials")):
                raise TrackerLoginError(
                    f"The MLflow server {self.resolved_uri} refused this process's credentials ({text.splitlines()[0]}): "
                    "set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.") from None
            raise TrackerError(f"The MLflow server {self.resolved_uri} cannot be used ({text.splitlines()[0]}).") from None
        except Exception as e:  # noqa: BLE001  (connection refused, DNS, timeout)
            raise TrackerError(f"The MLflow server {self.resolved_uri} cannot be reached ({type(e).__name__}: {e}); "
                               "check MLFLOW_TRACKING_URI or MLflowTracker(tracking_uri=...).") from None

    def start(self, layout: RunLayout, params: Mapping[str, Any]) -> None:
        from mlflow.entities import Param
        client = self._client()
        state = self.load_run_state(layout)
        existing: Dict[str, str] = {}
        if state.get("run_id"):
            self.run_id = str(state["run_id"])
            run = client.get_run(self.run_id)
            existing = dict(run.data.params)
            client.update_run(self.run_id, status="RUNNING")
        else:
            name = self.experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_PROJECT
            experiment = client.get_experiment_by_name(name)
            experiment_id = experiment.experiment_id if experiment is not None else client.create_experiment(name)
            run = client.create_run(experiment_id, tags=self.tags,
                                    run_name=self.run_name or os.path.basename(os.path.abspath(layout.root)))
            self.run_id = run.info.run_id
            self.save_run_state(layout, {"run_id": self.run_id, "experiment_id": experiment_id,
                                         "tracking_uri": self.resolved_uri})
        new = [Param(self._key(k), json.dumps(v) if not isinstance(v, str) else v)
               for k, v in flatten_params(params).items() if self._key(k) not in existing]
        for i in range(0, len(new), 100):
            client.log_batch(self._id(), params=new[i:i + 100])

    @staticmethod
    def _key(name: str) -> str:
        return _MLFLOW_INVALID.sub("_", name)

    def _id(self) -> str:
        if self.run_id is None or self.client is None:
            raise TrackerError("MLflowTracker.start(layout, params) must run before it logs.")
        return self.run_id

    def log_scalars(self, scalars: Mapping[str, float], step: int,
                    groups: Optional[Mapping[str, str]] = None) -> None:
        from mlflow.entities import Metric
        now = int(time.time() * 1000)
        metrics = [Metric(self._key(_grouped_name(k, groups)), float(v), now, int(step)) for k, v in scalars.items()]
        self._client().log_batch(self._id(), metrics=metrics)

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        self._client().log_image(self._id(), grid_to_uint8(image), key=self._key(tag), step=int(step))

    def log_record(self, record: Mapping[str, Any]) -> None:
        name = f"metrics/{self._key(str(record.get('metric')))}_step_{int(record.get('step', 0))}.json"
        self._client().log_dict(self._id(), json.loads(json.dumps(dict(record))), name)

    def finish(self) -> None:
        if self.run_id is not None and self.client is not None:
            self.client.set_terminated(self.run_id, "FINISHED")
            self.run_id = None


_FACTORIES = {"tensorboard": TensorBoardTracker, "wandb": WandbTracker, "mlflow": MLflowTracker}

#: What ``Trainer(loggers=...)`` takes: tracker names and :class:`Tracker` objects.
TrackerSpec = Union[str, Tracker]


def make_trackers(spec: Union[None, TrackerSpec, Sequence[TrackerSpec]], flush_secs: int = 120,
                  check: bool = True) -> List[Tracker]:
    """The trackers of ``spec``: ``None`` (TensorBoard), a name or a Tracker, or a list of them.

    Args:
        spec: names of :data:`TRACKER_NAMES` (any case) and :class:`Tracker` objects.
        flush_secs (int): TensorBoard's flush interval (for the name ``'tensorboard'``).
        check (bool): run each tracker's :meth:`Tracker.check` (package, login) now.

    Raises:
        ValueError: an unknown name (close matches are named) or a tracker given twice.
        TypeError: an object that is not a Tracker.
        TrackerError: a tracker's check failed (:class:`TrackerUnavailableError`,
            :class:`TrackerLoginError`).
    """
    items: Sequence[Any] = ["tensorboard"] if spec is None else [spec] if isinstance(spec, (str, Tracker)) else spec
    trackers: List[Tracker] = []
    for item in items:
        if isinstance(item, str):
            key = item.strip().lower().replace("-", "").replace("_", "")
            key = {"tb": "tensorboard", "weightsandbiases": "wandb", "wb": "wandb"}.get(key, key)
            if key not in _FACTORIES:
                close = difflib.get_close_matches(key, TRACKER_NAMES, n=2, cutoff=0.5)
                hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
                raise ValueError(f"Unknown logger {item!r}: expected {', '.join(map(repr, TRACKER_NAMES))} or a "
                                 f"torch_mimicry.training.trackers.Tracker object.{hint}")
            trackers.append(TensorBoardTracker(flush_secs) if key == "tensorboard" else _FACTORIES[key]())
        elif isinstance(item, Tracker):
            trackers.append(item)
        else:
            raise TypeError(f"loggers must hold tracker names ({', '.join(TRACKER_NAMES)}) or Tracker objects; got "
                            f"{type(item).__name__}.")
    names = [t.name for t in trackers]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"Each tracker may be given once; {', '.join(twice)} is given more than once.")
    if check:
        for tracker in trackers:
            tracker.check()
    return trackers
