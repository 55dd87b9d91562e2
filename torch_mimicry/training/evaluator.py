"""Scoring the generator during training and keeping the best checkpoint.

``Trainer(eval_every=k, eval_metric='fid', eval_kwargs=None)`` scores the generator (the EMA
generator when the run has one) every ``k`` generator steps with the library's metrics code
(:func:`torch_mimicry.metrics.score_generator`: real features cached on disk, extraction split
across ranks under distributed training, seed 0, float32), and

* logs the score to the Logger's trackers (``eval/<metric>``: TensorBoard, W&B, MLflow), its
  record with the protocol too, and to the console;
* appends it to the run's metric records, ``log_dir/metrics/<metric>.json``, with its
  protocol (with ``generator: 'ema'`` when the EMA generator is scored), so
  ``metrics.evaluate`` with the same protocol is served from it;
* keeps the best checkpoint in ``log_dir/checkpoints/best/``: the networks of the best step
  (``netG``, ``netD`` and ``netG_ema`` files) and ``best.json`` naming the metric, step, score
  and protocol (lowest FID / KID, highest Inception Score). ``best.json`` is written after the
  files it names, so it always points to complete files.

``eval_kwargs`` are the metric's keyword arguments of :func:`torch_mimicry.metrics.evaluate`
(``num_samples``, ``num_real_samples``, ``dataset``, ``weights``, ``batch_size``, ...). The real
images default to the training dataset and the sample counts to ``min(10000, len(dataset))``.
Everything is checked, and the Inception weights are found (or downloaded), when training
starts, not at the first evaluation.
"""
import json
import os
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import torch
import torch.nn as nn

from torch_mimicry.nets.basemodel import BaseModel
from torch_mimicry.nets.gan.gan import BaseGenerator
from torch_mimicry.training.components import TrainerComponent
from torch_mimicry.training.context import TrainingContext
from torch_mimicry.training.metric_log import MetricLog
from torch_mimicry.utils.io import StrPath, atomic_json_dump
from torch_mimicry.utils.run_layout import EMA, NETD, NETG, RunLayout, checkpoint_file_name, parse_checkpoint_name

if TYPE_CHECKING:  # both import this module (the metrics package when it is first used)
    from torch_mimicry.metrics.evaluation import _Job

#: Metrics for which a higher score is better (the others: lower is better).
HIGHER_IS_BETTER = ("inception_score",)

#: Default number of samples per set when ``eval_kwargs`` gives none.
DEFAULT_EVAL_SAMPLES = 10000

def best_dir(log_dir: StrPath) -> str:
    """``log_dir/checkpoints/best``."""
    return RunLayout(log_dir).best_dir


def read_best(log_dir: StrPath) -> Optional[Dict[str, Any]]:
    """The contents of ``checkpoints/best/best.json`` (a dict), or None when there is none."""
    path = RunLayout(log_dir).best_file
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path} is not valid JSON ({e}); move it away to start a new best record.") from e


class PeriodicEvaluator(TrainerComponent[TrainingContext]):
    """Scores the generator every ``every`` steps and keeps the best checkpoint (module docstring).

    Args:
        every (int): evaluation interval in generator steps.
        metric (str): ``'fid'``, ``'kid'`` or ``'inception_score'``.
        kwargs (dict): the metric's arguments (see :func:`torch_mimicry.metrics.evaluate`).
    """

    name = "evaluator"
    mutable_hparams = ("every",)

    def __init__(self, every: int, metric: str = "fid", kwargs: Optional[Dict[str, Any]] = None) -> None:
        from torch_mimicry.metrics.evaluation import METRICS
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"eval_every must be a positive int (generator steps) or None; got {every!r}.")
        if metric not in METRICS:
            raise ValueError(f"Unknown eval_metric {metric!r}; choose one of {', '.join(METRICS)}.")
        if kwargs is not None and not isinstance(kwargs, dict):
            raise ValueError(f"eval_kwargs must be a dict of metric arguments; got {type(kwargs).__name__}.")
        self.every = every
        self.metric = metric
        self.kwargs = dict(kwargs or {})
        self.job: Optional["_Job"] = None
        self.best: Optional[Dict[str, Any]] = None  # {'step': int, 'score': float}
        self.history: List[Dict[str, Any]] = []

    def hparams(self) -> Dict[str, Any]:
        shown = {k: (v if isinstance(v, (bool, int, float, str, type(None))) else type(v).__name__)
                 for k, v in self.kwargs.items()}
        return {"every": self.every, "metric": self.metric, "kwargs": shown}

    def _job_kwargs(self, trainer: TrainingContext) -> Dict[str, Any]:
        kwargs = dict(self.kwargs)
        kwargs.setdefault("verbose", False)
        dataset: Any = getattr(trainer.user_dataloader, "dataset", None)
        needs_real = self.metric in ("fid", "kid")
        if needs_real and kwargs.get("dataset") is None:
            if dataset is None:
                raise ValueError("eval_kwargs must name the real images (dataset=...): the training dataloader "
                                 "has no dataset.")
            kwargs["dataset"] = dataset
        try:
            available = len(dataset) if kwargs.get("dataset") is dataset and dataset is not None else None
        except TypeError:
            available = None
        default = DEFAULT_EVAL_SAMPLES if available is None else min(DEFAULT_EVAL_SAMPLES, available)
        if self.metric == "fid":
            if kwargs.get("num_samples") is None:
                kwargs.setdefault("num_real_samples", default)
                kwargs.setdefault("num_fake_samples", DEFAULT_EVAL_SAMPLES)
        else:
            kwargs.setdefault("num_samples", default)
        return kwargs

    def setup(self, trainer: TrainingContext) -> None:
        from torch_mimicry.metrics.evaluation import _Job
        kwargs = self._job_kwargs(trainer)
        # Validates the arguments and finds (or downloads) the Inception weights: rank 0 first, so
        # that a download happens once; the other ranks follow, or stop with rank 0's error.
        error = None
        if trainer.is_main_process:
            try:
                self.job = _Job(self.metric, kwargs)
            except Exception as e:  # noqa: BLE001  (re-raised below, after telling the other ranks)
                error = e
        failed = trainer.strategy.broadcast(None if error is None else f"{type(error).__name__}: {error}")
        if error is not None:
            raise error
        if failed is not None:
            raise RuntimeError(f"Evaluation during training cannot start (rank 0: {failed}).")
        if self.job is None:
            self.job = _Job(self.metric, kwargs)
        saved = read_best(trainer.log_dir) if trainer.is_main_process else None
        if saved is not None and saved.get("metric") == self.metric:
            self.best = {"step": int(saved["step"]), "score": float(saved["score"])}

    def _job_ready(self) -> "_Job":
        if self.job is None:
            raise RuntimeError("The evaluation job is made by PeriodicEvaluator.setup(trainer), which has not run yet.")
        return self.job

    def _generator(self, trainer: TrainingContext) -> Tuple[BaseGenerator, str]:
        ema = trainer.network(EMA)
        if ema is not None and isinstance(ema, BaseGenerator):
            return ema, "ema"
        netG = trainer.netG
        if not isinstance(netG, BaseGenerator):
            raise TypeError(f"The evaluator scores a BaseGenerator; got {type(netG).__name__}.")
        return netG, "raw"

    def protocol(self, trainer: TrainingContext) -> Dict[str, Any]:
        """The score's protocol record: the metric's protocol (plus ``generator: 'ema'`` when the
        EMA generator is scored), as :func:`torch_mimicry.metrics.evaluate` records it."""
        protocol = self._job_ready().protocol()
        if self._generator(trainer)[1] == "ema":
            protocol["generator"] = "ema"
        return protocol

    def is_better(self, score: float) -> bool:
        """True when ``score`` beats the best so far (lower FID / KID, higher IS)."""
        if self.best is None:
            return True
        if self.metric in HIGHER_IS_BETTER:
            return score > self.best["score"]
        return score < self.best["score"]

    def after_iteration(self, trainer: TrainingContext, log_data: MetricLog) -> None:
        step = trainer.global_step
        if step % self.every:
            return
        from torch_mimicry.metrics import records
        netG, which = self._generator(trainer)
        start = time.time()
        score, std = self._job_ready().score(netG, seed=0, device=trainer.device)
        score = float(score)
        seconds = time.time() - start
        self.history.append({"step": step, "score": score})
        log_data.add_metric(f"eval_{self.metric}", score, group="eval")
        if not trainer.is_main_process:
            self._update_best(score, step)
            return
        protocol = self.protocol(trainer)
        path = trainer.layout.metric_records(self.metric)
        record = records.make_record(self.metric, step, protocol, {0: score})
        records.save_record(path, record)
        trainer.logger.log_scalars({f"eval/{self.metric}": score}, step)  # TensorBoard, W&B, MLflow
        trainer.logger.log_record(record)
        improved = self.is_better(score)
        print(f"INFO: {self.metric} of the {which} generator at step {step}: {score:.6g}"
              + (f" ± {std:.4g}" if std is not None else "") + f" ({seconds:.1f} s)"
              + (" - best so far" if improved or self.best is None
                 else f" (best {self.best['score']:.6g} at step {self.best['step']})"),
              flush=True)
        if improved:
            self._save_best(trainer, step, score, protocol)
        self._update_best(score, step)

    def _update_best(self, score: float, step: int) -> None:
        if self.is_better(score):
            self.best = {"step": step, "score": score}

    def _save_best(self, trainer: TrainingContext, step: int, score: float, protocol: Dict[str, Any]) -> None:
        layout = trainer.layout
        folder = layout.best_dir
        nets: List[Tuple[str, nn.Module, Optional[torch.optim.Optimizer]]] = [
            (NETD, trainer.netD, trainer.optD), (NETG, trainer.netG, trainer.optG)]
        ema = trainer.network(EMA)
        if ema is not None:
            nets.append((EMA, ema, None))
        for name, net, opt in nets:
            if not isinstance(net, BaseModel):
                raise TypeError(f"The best checkpoint saves BaseModel networks; {name} is a {type(net).__name__}.")
            net.save_checkpoint(folder, step, opt, name=checkpoint_file_name(name, step))
        atomic_json_dump({"metric": self.metric, "step": step, "score": score,
                          "generator": protocol.get("generator", "raw"),
                          "files": [checkpoint_file_name(name, step) for name, _, _ in nets], "protocol": protocol},
                         layout.best_file)
        for fname in os.listdir(folder):
            parsed = parse_checkpoint_name(fname)
            if parsed is not None and parsed[1] != step:
                os.remove(os.path.join(folder, fname))

    def state_dict(self) -> Dict[str, Any]:
        return {"best": self.best, "history": self.history}

    def load_state_dict(self, state: Optional[Dict[str, Any]]) -> None:
        state = state or {}
        if self.best is None and state.get("best"):
            self.best = dict(state["best"])
        self.history = list(state.get("history", []))
