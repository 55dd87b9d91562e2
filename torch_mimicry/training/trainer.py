"""Trainer: assembles networks, optimizers, data and the training components, and runs the loop.

The loop itself is short: ``n_dis`` discriminator steps, then one generator step, then logging
and checkpoints. Everything else is a component with one job and its own state
(:mod:`torch_mimicry.training.components`): distributed data parallel
(:mod:`~torch_mimicry.training.distributed`), mixed precision
(:mod:`~torch_mimicry.training.precision`), the EMA generator (:mod:`~torch_mimicry.training.ema`)
and evaluation during training (:mod:`~torch_mimicry.training.evaluator`). Stopping on Ctrl-C is
in :mod:`~torch_mimicry.training.interrupt`, ``compile=`` in
:mod:`~torch_mimicry.training.compilation`.
"""
import contextlib
import inspect
import os
import time
import warnings
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Sized, Tuple, Union, cast

import torch
import torch.nn as nn

from torch_mimicry.augment import Augmentation
from torch_mimicry.nets.basemodel import CheckpointError, load_checkpoint_file
from torch_mimicry.nets.gan.gan import BaseDiscriminator, BaseGenerator
from torch_mimicry.training import checks, hparams
from torch_mimicry.training.augmentation import DiscriminatorAugmentation
from torch_mimicry.training.compilation import compile_networks
from torch_mimicry.training.components import TrainerComponent
from torch_mimicry.training.data import BatchStream, shard_dataloader
from torch_mimicry.training.distributed import DistributedTraining, init_process_group_from_environment
from torch_mimicry.training.ema import EMAGenerator, check_ema_args
from torch_mimicry.training.evaluator import PeriodicEvaluator
from torch_mimicry.training.interrupt import StopOnSignal
from torch_mimicry.training.lecam import LeCam, make_lecam
from torch_mimicry.training.logger import Logger
from torch_mimicry.training.memory_format import default_channels_last
from torch_mimicry.training.metric_log import MetricLog
from torch_mimicry.training.precision import MixedPrecision, resolve_amp
from torch_mimicry.training.progress_display import ProgressDisplay
from torch_mimicry.training.rng import get_rng_state, seed_everything, set_rng_state
from torch_mimicry.training.scheduler import LRScheduler
from torch_mimicry.training.trackers import TrackerSpec
from torch_mimicry.utils.io import SaveError, StrPath, atomic_json_dump, atomic_torch_save, ensure_dir
from torch_mimicry.utils.run_layout import NETD, NETG, TRAINER, RunLayout, checkpoint_file_name

#: ``(images [N, C, H, W], labels)`` as a ``train_step`` receives it.
_Batch = Tuple[torch.Tensor, Any]
#: A trainer checkpoint's state (``trainer_<step>_steps.pth``).
_State = Dict[str, Any]


class _frozen:
    """Context manager that turns off ``requires_grad`` of a module's trainable parameters.

    Used on the network that is not being updated: the discriminator step needs no graph
    through the generator, and the generator step needs gradients with respect to the
    discriminator's input only, not its weights (which the next discriminator step zeroes).
    """

    def __init__(self, module: nn.Module) -> None:
        self.params = [p for p in module.parameters() if p.requires_grad]

    def __enter__(self) -> None:
        for p in self.params:
            p.requires_grad_(False)

    def __exit__(self, *exc: object) -> None:
        for p in self.params:
            p.requires_grad_(True)


def _check_positive_int(name: str, value: object, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _check_interval(name: str, value: object) -> None:
    """A positive integer, or ``float('inf')`` for "never" (as in torch-mimicry 0.1.16)."""
    if value != float("inf"):
        _check_positive_int(name, value)


def _accepts_keyword(fn: Callable[..., Any], name: str) -> bool:
    """True when calling ``fn`` with keyword ``name`` is allowed (named or ``**kwargs``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind is p.VAR_KEYWORD or p.name == name for p in params)


class Trainer:
    """Trains a GAN: ``n_dis`` discriminator steps, each on a fresh batch, then one generator step.

    ``global_step`` counts generator steps. Every ``save_steps`` steps (and at the end or on
    Ctrl-C / SIGTERM) the run writes ``log_dir/checkpoints/{netD,netG,trainer}/..._<step>_steps.pth``
    atomically; ``log_dir/params.json`` records the hyperparameters. Calling ``train()`` on a
    log_dir that holds checkpoints resumes from the latest complete one, exactly where it
    stopped (optimizer, learning-rate schedule, RNG, data position and every component's state).

    Args:
        netD, netG (BaseDiscriminator, BaseGenerator): discriminator and generator (with ``train_step``
            methods; a family of your own subclasses these, as in the tutorial).
        optD, optG (Optimizer): their optimizers.
        dataloader (DataLoader): yields ``(images [N, 3, H, W] in [-1, 1], labels [N])``; under
            distributed training it is sharded across the ranks and ``N`` is per process.
        num_steps (int): generator steps to train for.
        log_dir (str): folder of checkpoints, TensorBoard logs and images.
        n_dis (int): discriminator steps per generator step.
        lr_decay (str): ``None`` or ``'linear'`` (to 0 at ``num_steps``).
        device (torch.device): where to train; default the generator's device, or ``cuda:0``
            when the networks are on the CPU and CUDA is available (as in 0.1.16). Under
            distributed training on CUDA each process uses ``cuda:LOCAL_RANK``.
        netG_ckpt_file, netD_ckpt_file (str): resume from these files instead of the latest.
        print_steps, vis_steps, log_steps, save_steps (int): intervals, in generator steps,
            of console lines, image grids, TensorBoard scalars and checkpoints;
            ``float('inf')`` means never (checkpoints are still written at the end).
        flush_secs (int): TensorBoard flush interval.
        seed (int): seeds torch, numpy and random at the start of a new run (rank ``r`` of a
            distributed run uses ``seed + r``).
        keep_last (int): keep only the latest ``keep_last`` checkpoints (default all).
        channels_last (bool): store both networks' weights and the real batches in the
            channels-last memory format (NHWC), which makes convolutions faster on CPUs (about
            1.4x per training iteration on 2 cores; ``benchmarks/RESULTS.md``). The same fp32
            arithmetic: results differ from NCHW only by the summation order of the
            convolution kernels. Default ``None``: on when training on the CPU networks whose
            ``forward`` / ``train_step`` / ``generate_images`` are all the library's own (a
            network of your own may flatten feature maps with ``.view``, which needs the NCHW
            layout; see ``torch_mimicry.training.memory_format``). The networks are converted
            in place (``False`` leaves their format as it is); checkpoints load into networks
            of either format.
        amp (bool or str): mixed precision: ``False`` (float32), ``True`` (float16 with a
            gradient scaler on CUDA, bfloat16 on the CPU), ``'fp16'`` or ``'bf16'``
            (:mod:`torch_mimicry.training.precision`). May change when a run resumes.
        ema_decay (float): keep an exponential moving average of the generator with this decay
            (e.g. 0.9999), saved as ``checkpoints/netG_ema/``; None (default) keeps none.
        ema_start (int): generator steps during which the average just copies the generator.
        eval_every (int): score the (EMA) generator every ``eval_every`` steps and keep the best
            checkpoint in ``checkpoints/best/`` (:mod:`torch_mimicry.training.evaluator`).
        eval_metric (str): ``'fid'`` (default), ``'kid'`` or ``'inception_score'``.
        eval_kwargs (dict): the metric's arguments, as for :func:`torch_mimicry.metrics.evaluate`.
        compile (bool or dict): run both networks through ``torch.compile`` (a dict: its
            options, e.g. ``{'mode': 'max-autotune'}``); falls back with a warning where
            unsupported. May change when a run resumes.
        sync_bn (bool): under distributed training, convert BatchNorm layers to SyncBatchNorm.
        augment (str or Augmentation): augment every image the discriminator sees, real or
            generated, in both steps: ``'diffaugment'``, ``'ada'``, ``'pagan'`` or an object of
            :mod:`torch_mimicry.augment` (:mod:`torch_mimicry.training.augmentation`).
        lecam (float or LeCam): LeCam regularisation of the discriminator with this weight, or a
            :class:`~torch_mimicry.training.lecam.LeCam` object.
        progress (str): ``'log'`` (console lines every ``print_steps``), ``'bar'`` (a progress bar
            on a terminal) or ``'auto'`` (a bar where one can be shown).
        components (list): extra :class:`~torch_mimicry.training.components.TrainerComponent` objects.
        loggers (list): experiment trackers of the Logger: ``'tensorboard'`` (the default), ``'wandb'``,
            ``'mlflow'`` or :mod:`~torch_mimicry.training.trackers` objects; checked here, resumed with the run.

    Distributed training starts when a ``torch.distributed`` process group is initialised or the
    script runs under ``torchrun`` (:mod:`torch_mimicry.training.distributed`).

    After construction ``log_dir`` exists, and ``netG_ckpt_dir`` / ``netD_ckpt_dir`` name the
    checkpoint folders (those of the given checkpoint files, if any), ``scheduler`` the
    learning-rate schedule and ``logger`` the Logger.
    """

    def __init__(self, netD: BaseDiscriminator, netG: BaseGenerator, optD: torch.optim.Optimizer,
                 optG: torch.optim.Optimizer, dataloader: Iterable[Any], num_steps: int, log_dir: StrPath = "./log",
                 n_dis: int = 1, lr_decay: Optional[str] = None, device: Union[str, torch.device, None] = None,
                 netG_ckpt_file: Optional[StrPath] = None, netD_ckpt_file: Optional[StrPath] = None,
                 print_steps: Union[int, float] = 1, vis_steps: Union[int, float] = 500,
                 log_steps: Union[int, float] = 50, save_steps: Union[int, float] = 5000,
                 flush_secs: int = 30, amp: Union[bool, str] = False, seed: Optional[int] = None,
                 keep_last: Optional[int] = None, channels_last: Optional[bool] = None,
                 ema_decay: Optional[float] = None, ema_start: int = 0, eval_every: Optional[int] = None,
                 eval_metric: str = "fid",
                 eval_kwargs: Optional[Dict[str, Any]] = None, compile: Union[bool, Dict[str, Any]] = False,
                 sync_bn: bool = False, augment: Union[str, Augmentation, None] = None,
                 lecam: Union[float, LeCam, None] = None, progress: str = "log",
                 components: Optional[Iterable[TrainerComponent]] = None,
                 loggers: Union[None, TrackerSpec, Sequence[TrackerSpec]] = None,
                 ) -> None:  # up to amp: 0.1.16's positional order
        for name, net in (("netD", netD), ("netG", netG)):
            if not isinstance(net, torch.nn.Module) or not callable(getattr(net, "train_step", None)):
                raise TypeError(f"{name} must be a torch_mimicry network (an nn.Module with a train_step method), "
                                f"got {type(net).__name__}.")
        for name, opt in (("optD", optD), ("optG", optG)):
            if not isinstance(opt, torch.optim.Optimizer):
                raise TypeError(f"{name} must be a torch.optim.Optimizer, got {type(opt).__name__}.")
        _check_positive_int("num_steps", num_steps)
        _check_positive_int("n_dis", n_dis)
        for name in ("print_steps", "vis_steps", "log_steps", "save_steps"):
            _check_interval(name, locals()[name])
        _check_positive_int("flush_secs", flush_secs)
        _check_positive_int("keep_last", keep_last, allow_none=True)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed must be an int or None, got {seed!r}.")
        if lr_decay == "None":
            lr_decay = None
        if lr_decay not in (None, "linear"):
            raise ValueError(f"Unknown lr_decay {lr_decay!r}: expected None or 'linear'.")
        check_ema_args(ema_decay, ema_start)
        resolve_amp(amp, "cpu")
        extra = list(components or [])
        for component in extra:
            if not hasattr(component, "step_context") or not getattr(component, "name", None):
                raise TypeError(f"components must be TrainerComponent objects with a name; got "
                                f"{type(component).__name__}.")
        try:
            num_batches: Optional[int] = len(cast(Sized, dataloader))  # an iterable may have no length
        except TypeError:
            num_batches = None
        if num_batches == 0:
            raise ValueError("The dataloader yields no batches: check the dataset's size and the batch size "
                             "(with drop_last=True a dataset smaller than one batch yields none).")
        for name, path in (("netG_ckpt_file", netG_ckpt_file), ("netD_ckpt_file", netD_ckpt_file)):
            if path is not None and not os.path.isfile(path):
                raise FileNotFoundError(f"{name}: no checkpoint file at {path!r}.")
        if (netG_ckpt_file is None) != (netD_ckpt_file is None):
            raise ValueError("Give both netG_ckpt_file and netD_ckpt_file to resume from files, or neither.")
        checks.check_trainer_inputs(netD, netG, optD, optG, dataloader)  # contract checks (training/checks.py)

        self.netD, self.netG, self.optD, self.optG = netD, netG, optD, optG
        self.num_steps = num_steps
        self.log_dir = os.fspath(log_dir)
        self.layout = RunLayout(self.log_dir)
        self.n_dis = n_dis
        self.lr_decay = lr_decay
        self.netG_ckpt_file, self.netD_ckpt_file = netG_ckpt_file, netD_ckpt_file
        self.print_steps, self.vis_steps, self.log_steps = print_steps, vis_steps, log_steps
        self.save_steps, self.flush_secs = save_steps, flush_secs
        self.seed = seed
        self.keep_last = keep_last
        if not isinstance(compile, (bool, dict)):
            raise ValueError(f"compile must be True, False or a dict of torch.compile options; got {compile!r}.")
        self.compile = compile

        device = torch.device(device) if device is not None else self._model_device()
        init_process_group_from_environment(device)
        self.distributed = DistributedTraining(sync_bn=sync_bn)
        self.rank, self.world_size = self.distributed.rank, self.distributed.world_size
        self.is_main_process = self.rank == 0
        self.device = self.distributed.local_device(device)

        self.user_dataloader = dataloader
        self.dataloader = (shard_dataloader(dataloader, self.rank, self.world_size, seed=seed or 0)
                           if self.distributed.active else dataloader)
        self.num_batches = len(cast(Sized, self.dataloader)) if num_batches is not None else None

        self.channels_last = (default_channels_last(self.device, netD, netG) if channels_last is None
                              else bool(channels_last))
        for net in (self.netD, self.netG):
            net.to(self.device)
            if self.channels_last:
                net.to(memory_format=torch.channels_last)

        self.precision = MixedPrecision(amp, self.device)
        self.ema = EMAGenerator(ema_decay, ema_start) if ema_decay is not None else None
        self.evaluator = PeriodicEvaluator(eval_every, eval_metric, eval_kwargs) if eval_every is not None else None
        self.augmentation = DiscriminatorAugmentation(augment) if augment is not None else None
        self.lecam = make_lecam(lecam)
        self.progress = ProgressDisplay(progress)
        builtin: Tuple[Optional[TrainerComponent], ...] = (self.distributed, self.precision, self.ema, self.evaluator,
                                                             self.augmentation, self.lecam, self.progress)
        self.components: List[TrainerComponent] = [c for c in builtin if c is not None]
        self.components += extra
        names = [c.name for c in self.components]
        if len(set(names)) != len(names):
            raise ValueError(f"Component names must be unique; got {names}.")
        self.netG_ema: Optional[BaseGenerator] = None  # set by the EMA component

        self.params = self._hyperparameters()
        self._check_resume_consistency()

        os.makedirs(self.log_dir, exist_ok=True)
        self.netG_ckpt_dir = (os.path.dirname(os.path.abspath(netG_ckpt_file)) if netG_ckpt_file
                              else self.layout.checkpoint_dir(NETG))
        self.netD_ckpt_dir = (os.path.dirname(os.path.abspath(netD_ckpt_file)) if netD_ckpt_file
                              else self.layout.checkpoint_dir(NETD))
        self.logger = Logger(log_dir=self.log_dir, num_steps=num_steps, dataset_size=self.num_batches or 1,
                             n_dis=n_dis, flush_secs=flush_secs, trackers=loggers)
        self.scheduler = LRScheduler(self.lr_decay, self.optD, self.optG, self.num_steps)
        self.global_step = 0
        self.stream = BatchStream(self.dataloader, world_size=self.world_size)
        self._setup_done = False
        self._first_batch_checked = False  # contract checks (training/checks.py)

    # ----------------------------------------------------------------------------------
    # Hyperparameters
    def _model_device(self) -> torch.device:
        for p in self.netG.parameters():
            if p.device.type != "cpu":
                return p.device
            break
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

    def _hyperparameters(self) -> Dict[str, Any]:
        return hparams.run_hyperparameters(self)

    def _check_resume_consistency(self) -> None:
        """Refuses to resume a run whose recorded hyperparameters differ from these ones."""
        if not self.layout.complete_steps()[0]:
            return  # nothing to resume: a run that stopped before its first checkpoint may start over changed
        hparams.check_resume_consistency(self.layout.params_file, self.params, self.components, self.log_dir)

    # ----------------------------------------------------------------------------------
    # Checkpoints
    def _extra_checkpoint_names(self) -> Tuple[str, ...]:
        return tuple(name for c in self.components for name in c.checkpoint_names())

    def _trainer_state(self, rank_states: List[Dict[str, Any]]) -> _State:
        return {
            "global_step": self.global_step,
            "rng": rank_states[0]["rng"],
            "ranks": rank_states,
            "data": self.stream.state_dict(),
            "components": {c.name: c.state_dict() for c in self.components},
        }

    def save_checkpoints(self) -> None:
        """Writes netD, netG, the components' files and the trainer state of the current global
        step (rank 0 only; every rank must call it), then prunes old ones."""
        step = self.global_step
        rank_states = self.distributed.gather({"rng": get_rng_state(), "epoch_rng": self.stream.state_dict()["epoch_rng"]})
        if self.is_main_process:
            try:
                self.netD.save_checkpoint(self.layout.checkpoint_dir(NETD), step, self.optD,
                                          name=checkpoint_file_name(NETD, step))
                self.netG.save_checkpoint(self.layout.checkpoint_dir(NETG), step, self.optG,
                                          name=checkpoint_file_name(NETG, step))
                for component in self.components:
                    component.save(self, step)
                atomic_torch_save(self._trainer_state(rank_states),
                                  self.layout.checkpoint_path(TRAINER, step),
                                  what=f"trainer state of step {step}")
            except SaveError:  # full disk, read-only folder: no incomplete step stays behind
                self.layout.remove_step(step, self._extra_checkpoint_names())
                raise
            if self.keep_last is not None:
                extra = self._extra_checkpoint_names()
                steps, _ = self.layout.complete_steps(extra)
                for old in steps[self.keep_last:]:
                    self.layout.remove_step(old, extra)
        self.distributed.barrier()

    def _restore_from(self, netD_file: StrPath, netG_file: StrPath,
                      trainer_file: Optional[str]) -> Tuple[int, Optional[_State]]:
        """Loads all three files first, then applies them; raises CheckpointError if any is unreadable."""
        d = load_checkpoint_file(netD_file)
        g = load_checkpoint_file(netG_file)
        t = None
        if trainer_file is not None:
            if not os.path.isfile(trainer_file):
                raise CheckpointError(f"Trainer state {trainer_file!r} is missing.")
            try:
                t = torch.load(trainer_file, map_location="cpu", weights_only=True)
            except Exception as e:  # noqa: BLE001  (any failure to read means a corrupt file)
                raise CheckpointError(f"Trainer state {trainer_file!r} cannot be read ({e}).") from e
        if d.get("global_step") != g.get("global_step"):
            raise ValueError(f"The generator checkpoint is at step {g.get('global_step')} and the discriminator "
                             f"checkpoint at step {d.get('global_step')}: resume from files of the same step.")
        self.netD.restore_checkpoint(netD_file, self.optD)
        self.netG.restore_checkpoint(netG_file, self.optG)
        step = int(g["global_step"])
        if t is not None:
            for component in self.components:
                component.restore(self, step)
        return step, t

    def _resume_from_files(self, netD_file: StrPath, netG_file: StrPath) -> Tuple[int, Optional[_State]]:
        step, state = self._restore_from(netD_file, netG_file, None)
        trainer_file = self.layout.checkpoint_path(TRAINER, step)
        if os.path.isfile(trainer_file):
            state = torch.load(trainer_file, map_location="cpu", weights_only=True)
            for component in self.components:
                component.restore(self, step)
        return step, state

    def _resume_latest(self, only_step: Optional[int] = None) -> Tuple[int, Optional[_State]]:
        """Restores the latest complete checkpoint (or ``only_step``); ``(step, state)`` or ``(0, None)``."""
        extra = self._extra_checkpoint_names()
        steps, with_state = self.layout.complete_steps(extra)
        if only_step is not None:
            steps = [only_step]
        failures: List[str] = []
        for step in steps:
            netD_file, netG_file = (self.layout.checkpoint_path(n, step) for n in (NETD, NETG))
            trainer_file = self.layout.checkpoint_path(TRAINER, step) if with_state else None
            try:
                _, state = self._restore_from(netD_file, netG_file, trainer_file)
            except CheckpointError as e:
                if only_step is not None:
                    raise
                failures.append(f"step {step}: {e}")
                print(f"WARNING: checkpoint of step {step} is unusable: {e} Falling back to the previous one.",
                      flush=True)
                continue
            if not with_state:
                warnings.warn(f"Resuming from step {step} without trainer state (RNG and data position): the run "
                              "continues, but not exactly as an uninterrupted one would.")
            return step, state
        if steps:
            raise CheckpointError(f"No usable checkpoint in {self.log_dir!r}: every saved step failed to load ("
                                  + "; ".join(failures) + "). Move the checkpoints folder away to start afresh.")
        return 0, None

    def _resume(self) -> Optional[_State]:
        """Restores the checkpoint to continue from, if any (every rank the step rank 0 chose);
        returns the trainer state or None."""
        if self.netG_ckpt_file is not None and self.netD_ckpt_file is not None:  # both or neither
            self.global_step, state = self._resume_from_files(self.netD_ckpt_file, self.netG_ckpt_file)
            return state
        if self.distributed.active:
            chosen = self._resume_latest()[0] if self.is_main_process else None
            chosen = self.distributed.broadcast(chosen)
            if not self.is_main_process and chosen:
                self._resume_latest(only_step=chosen)
            if chosen:
                state = self._load_trainer_state(chosen)
                self.global_step = chosen
                return state
            return None
        self.global_step, state = self._resume_latest()
        return state

    def _load_trainer_state(self, step: int) -> Optional[_State]:
        path = self.layout.checkpoint_path(TRAINER, step)
        return torch.load(path, map_location="cpu", weights_only=True) if os.path.isfile(path) else None

    def _apply_trainer_state(self, state: _State) -> None:
        """Data position, RNG state and component states of a resumed run, for this rank."""
        ranks = state.get("ranks") or [{"rng": state.get("rng"), "epoch_rng": state.get("epoch_rng")}]
        mine = ranks[self.rank] if self.rank < len(ranks) else None
        data = dict(state.get("data") or {"batches_in_epoch": state.get("batches_in_epoch", 0)})
        data["epoch_rng"] = mine["epoch_rng"] if mine is not None else None
        self.stream.load_state_dict(data)
        if mine is not None and mine.get("rng") is not None:
            set_rng_state(mine["rng"])
        else:  # more ranks than the run that saved: a seed of this rank's own
            seed_everything((self.seed or 0) * 1_000_003 + self.global_step * 7_919 + self.rank)
        for component in self.components:
            component.load_state_dict((state.get("components") or {}).get(component.name))

    # ----------------------------------------------------------------------------------
    # Data
    def _to_device(self, batch: Any) -> _Batch:
        if isinstance(batch, torch.Tensor):
            batch = (batch, torch.zeros(batch.shape[0], dtype=torch.long))
        if not isinstance(batch, (tuple, list)) or len(batch) < 2 or not isinstance(batch[0], torch.Tensor):
            raise ValueError("Each batch must be (images, labels) with images a tensor [N, 3, H, W] in [-1, 1]; "
                             f"got {type(batch).__name__}.")
        images, labels = batch[0], batch[1]
        images = images.to(self.device, non_blocking=True)
        if self.channels_last and images.dim() == 4:
            images = images.contiguous(memory_format=torch.channels_last)
        if isinstance(labels, torch.Tensor):
            labels = labels.to(self.device, non_blocking=True)
        return (images, labels)

    # ----------------------------------------------------------------------------------
    # Training
    def _check_finite(self, log_data: MetricLog, phase: str) -> None:
        bad = log_data.non_finite()
        if bad and self.precision.tolerates_non_finite():
            bad = []  # a float16 overflow: the scaler skipped the step and lowered its scale
        any_bad, = self.distributed.any_flag(bool(bad))
        if any_bad:
            last = self.layout.complete_steps(self._extra_checkpoint_names())[0]
            where = f"step {last[0]}" if last else "none yet"
            what = f"Non-finite {', '.join(bad)}" if bad else "A non-finite loss on another rank"
            raise FloatingPointError(
                f"{what} in the {phase} step of global step {self.global_step + 1}: training "
                f"stopped and no checkpoint was written for it (latest checkpoint in {self.log_dir!r}: {where}). "
                "Lower the learning rates, check the data range ([-1, 1]) or the loss.")

    def _step(self, phase: str, real_batch: _Batch, log_data: MetricLog) -> MetricLog:
        """One ``train_step`` of netD (``phase='D'``) or netG (``'G'``) inside the components' contexts."""
        net, other = (self.netD, {"netG": self.netG, "optD": self.optD}) if phase == "D" else \
            (self.netG, {"netD": self.netD, "optG": self.optG})
        kwargs: Dict[str, Any] = {}
        with contextlib.ExitStack() as stack:
            for component in self.components:
                stack.enter_context(component.step_context(self, phase, real_batch))
                kwargs.update(component.train_step_kwargs(self, phase))
            train_step = cast(Callable[..., MetricLog], net.train_step)  # each family has its own signature
            kwargs = {k: v for k, v in kwargs.items() if _accepts_keyword(train_step, k)}
            log_data = train_step(real_batch, log_data=log_data, device=self.device, global_step=self.global_step,
                                  **other, **kwargs)
        for component in self.components:
            component.after_step(self, phase, log_data)
        return log_data

    def _train_iteration(self, log_data: MetricLog) -> MetricLog:
        """n_dis discriminator steps, each on a fresh batch, then one generator step on the last batch."""
        with _frozen(self.netG):
            for _ in range(self.n_dis):
                batch = self.stream.next()
                if not self._first_batch_checked:  # contract checks (training/checks.py), once
                    checks.check_first_batch(batch, self.netD, self.netG, self.device)
                    self._first_batch_checked = True
                real_batch = self._to_device(batch)
                log_data = self._step("D", real_batch, log_data)
        self._check_finite(log_data, "discriminator")
        with _frozen(self.netD):
            log_data = self._step("G", real_batch, log_data)
        self._check_finite(log_data, "generator")
        self.precision.end_iteration()
        return log_data

    def _write_params(self) -> None:
        atomic_json_dump(hparams.json_value(self.params), self.layout.params_file)

    def _setup(self) -> None:
        """Sets the components up (once) and compiles the networks when asked."""
        if self._setup_done:
            return
        for component in self.components:
            component.setup(self)
        if self.compile:
            compile_networks((self.netD, self.netG), self.compile if isinstance(self.compile, dict) else {})
        self._setup_done = True

    def _start(self) -> bool:
        """Resumes or seeds the run; returns False when there is nothing left to train."""
        state = self._resume()
        if state is None and self.global_step == 0 and (self.seed is not None or self.distributed.active):
            base = self.seed if self.seed is not None else self.distributed.broadcast(torch.initial_seed())
            seed_everything(base + self.rank)
        if self.is_main_process:
            self._write_params()
        if self.global_step >= self.num_steps:
            if self.is_main_process:
                print(f"INFO: {self.log_dir!r} is already at step {self.global_step} of {self.num_steps}; "
                      "nothing to do.", flush=True)
            return False
        if state is not None:
            self._apply_trainer_state(state)
        else:
            self.stream.new_epoch()
        if self.global_step and self.is_main_process:
            print(f"INFO: Resuming from step {self.global_step}.", flush=True)
        return True

    def _log(self, log_data: MetricLog, interval: Tuple[float, int]) -> None:
        """Console, TensorBoard and image grids of the finished step (rank 0)."""
        step = self.global_step
        if not self.is_main_process:
            return
        if step % self.print_steps == 0 and self.progress.wants_console_lines:
            start, steps = interval
            self.logger.print_log(step, log_data, (time.time() - start) / steps, steps_left=self.num_steps - step)
        if step % self.log_steps == 0:
            self.logger.write_summaries(log_data, step)
        if step % self.vis_steps == 0:
            self.logger.vis_images(self.netG, step, fixed_netG=self.netG_ema)

    def train(self) -> int:
        """Runs (or resumes) training until ``num_steps`` generator steps; returns the final global step."""
        if self.is_main_process:
            ensure_dir(self.log_dir, what="log folder")
        self._setup()
        try:
            if not self._start():
                return self.global_step
            self.scheduler = LRScheduler(self.lr_decay, self.optD, self.optG, self.num_steps)
            self.netD.train()
            self.netG.train()
            self._run()
        finally:
            for component in self.components:
                component.close(self)
            self.logger.close()
        return self.global_step

    def _run(self) -> None:
        last_saved = self.global_step
        interval_start, interval_steps = time.time(), 0
        stop = False
        try:
            with StopOnSignal(lambda: self.global_step) as stop_request:
                while self.global_step < self.num_steps and not stop:
                    log_data = self.scheduler.step(MetricLog(), self.global_step)
                    log_data = self._train_iteration(log_data)
                    self.global_step += 1
                    interval_steps += 1
                    for component in self.components:
                        component.after_iteration(self, log_data)
                    stop, = self.distributed.any_flag(stop_request.received is not None)
                    self._log(log_data, (interval_start, interval_steps))
                    if self.global_step % self.print_steps == 0:
                        interval_start, interval_steps = time.time(), 0
                    if self.global_step % self.save_steps == 0:
                        self.save_checkpoints()
                        last_saved = self.global_step
        except KeyboardInterrupt:
            print("\nINFO: Interrupted again: quitting without saving the current step.", flush=True)
            raise
        if self.global_step != last_saved:
            if stop and self.is_main_process:
                print("INFO: Saving checkpoints from keyboard interrupt...", flush=True)
            self.save_checkpoints()
        if self.is_main_process:
            print("INFO: Training Ended." if not stop else
                  f"INFO: Training stopped at step {self.global_step}; run train() again to resume.", flush=True)
