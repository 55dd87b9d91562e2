"""Trainer: assembles networks, optimizers, data and the parts of a run, and runs the loop.

The loop itself is short: ``n_dis`` discriminator steps, then one generator step, then logging
and checkpoints. Everything else is a part with one job and its own state: the run layout
(:mod:`torch_mimicry.utils.run_layout`), the distribution strategy
(:mod:`~torch_mimicry.training.distributed`), the precision plugin
(:mod:`~torch_mimicry.training.precision`), the discriminator hooks
(:mod:`torch_mimicry.augment.hooks`), saving and resuming (:mod:`~torch_mimicry.training.checkpointing`),
and the components (:mod:`~torch_mimicry.training.components`): the EMA generator
(:mod:`~torch_mimicry.training.ema`), evaluation during training
(:mod:`~torch_mimicry.training.evaluator`), augmentations and LeCam, the progress display. The
arguments are checked in :mod:`~torch_mimicry.training.arguments`, Ctrl-C is handled in
:mod:`~torch_mimicry.training.interrupt`, ``compile=`` in :mod:`~torch_mimicry.training.compilation`.
"""
import contextlib
import copy
import os
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union, cast

import torch
import torch.nn as nn

from torch_mimicry.augment import Augmentation
from torch_mimicry.augment.hooks import DiscriminatorHooks
from torch_mimicry.nets.gan.gan import BaseDiscriminator, BaseGenerator
from torch_mimicry.training import arguments, checks, hparams
from torch_mimicry.training.augmentation import DiscriminatorAugmentation
from torch_mimicry.training.checkpointing import Checkpointing
from torch_mimicry.training.compilation import Compilation, restore_snapshot, state_snapshot
from torch_mimicry.training.components import TrainerComponent
from torch_mimicry.training.data import BatchStream, shard_dataloader
from torch_mimicry.training.distributed import DistributedTraining, init_process_group_from_environment
from torch_mimicry.training.ema import EMAGenerator
from torch_mimicry.training.evaluator import PeriodicEvaluator
from torch_mimicry.training.interrupt import StopOnSignal
from torch_mimicry.training.lecam import LeCam, make_lecam
from torch_mimicry.training.logger import Logger
from torch_mimicry.training.memory_format import default_channels_last
from torch_mimicry.training.metric_log import MetricLog
from torch_mimicry.training.precision import MixedPrecision
from torch_mimicry.training.progress_display import ProgressDisplay
from torch_mimicry.training.rng import get_rng_state, seed_everything, set_rng_state
from torch_mimicry.training.scheduler import LRScheduler
from torch_mimicry.training.trackers import TrackerSpec
from torch_mimicry.utils.io import StrPath, atomic_json_dump, ensure_dir
from torch_mimicry.utils.run_layout import EMA, NETD, NETG, RunLayout

#: ``(images [N, C, H, W], labels)`` as a ``train_step`` receives it.
_Batch = Tuple[torch.Tensor, Any]


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

    The parts of a Trainer, which its components see (:class:`~torch_mimicry.training.context.TrainingContext`):
    ``layout`` (every path of ``log_dir``), ``strategy`` (distribution across processes),
    ``precision`` (autocast and gradient scalers), ``discriminator_hooks`` (where augmentations
    and regularisers of the discriminator register; entered around every ``train_step``),
    ``logger``, ``scheduler``, ``stream`` (the batches), ``checkpointing`` (saving and resuming)
    and ``components`` (EMA generator, evaluator, augmentation, LeCam, progress display, yours).
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
        extra = list(components or [])
        arguments.check_trainer_arguments(
            netD, netG, optD, optG, num_steps, n_dis, dict(print_steps=print_steps, vis_steps=vis_steps,
                                                           log_steps=log_steps, save_steps=save_steps),
            flush_secs, keep_last, seed, ema_decay, ema_start, amp, compile, extra, netG_ckpt_file, netD_ckpt_file)
        num_batches = arguments.num_batches(dataloader)
        checks.check_trainer_inputs(netD, netG, optD, optG, dataloader)  # contract checks (training/checks.py)

        # The run: networks, optimizers, schedule, intervals.
        self.netD, self.netG, self.optD, self.optG = netD, netG, optD, optG
        self.num_steps, self.n_dis, self.lr_decay = num_steps, n_dis, arguments.normalise_lr_decay(lr_decay)
        self.netG_ckpt_file, self.netD_ckpt_file = netG_ckpt_file, netD_ckpt_file
        self.print_steps, self.vis_steps, self.log_steps = print_steps, vis_steps, log_steps
        self.save_steps, self.flush_secs, self.keep_last, self.seed = save_steps, flush_secs, keep_last, seed
        self.compile = compile
        self.compilation = Compilation(compile if isinstance(compile, dict) else {}) if compile else None
        self.layout = RunLayout(log_dir)

        # Where it runs: the strategy (processes, devices), the data, the memory format, the precision.
        init_process_group_from_environment(torch.device(device) if device is not None else self._model_device())
        self.strategy = DistributedTraining(sync_bn=sync_bn)
        self.device = self.strategy.local_device(torch.device(device) if device is not None else self._model_device())
        self.user_dataloader = dataloader
        self.dataloader = (shard_dataloader(dataloader, self.rank, self.world_size, seed=seed or 0)
                           if self.strategy.active else dataloader)
        self.num_batches = num_batches
        self.channels_last = (default_channels_last(self.device, netD, netG) if channels_last is None
                              else bool(channels_last))
        for net in (self.netD, self.netG):
            net.to(self.device)
            if self.channels_last:
                net.to(memory_format=torch.channels_last)
        self.precision = MixedPrecision(amp, self.device)
        self.discriminator_hooks = DiscriminatorHooks(self.netD, self.netG)

        # The components, in the order their hooks run (the evaluator scores the average the EMA
        # has just updated), then the user's.
        self.ema = EMAGenerator(ema_decay, ema_start) if ema_decay is not None else None
        self.evaluator = PeriodicEvaluator(eval_every, eval_metric, eval_kwargs) if eval_every is not None else None
        self.augmentation = DiscriminatorAugmentation(augment) if augment is not None else None
        self.lecam = make_lecam(lecam)
        self.progress = ProgressDisplay(progress)
        builtin: List[Optional[TrainerComponent[Any]]] = [self.ema, self.evaluator, self.augmentation, self.lecam,
                                                          self.progress]
        self.components: List[TrainerComponent[Any]] = [c for c in builtin if c is not None] + extra
        names = [c.name for c in self.components] + [self.strategy.name, self.precision.name]
        if len(set(names)) != len(names):
            raise ValueError(f"Component names must be unique and not 'distributed' or 'precision'; got {names}.")

        # Its records: hyperparameters (checked against a run being resumed), logs, checkpoints.
        self.params = hparams.run_hyperparameters(self)
        self.checkpointing = Checkpointing(self)
        if self.checkpointing.complete_steps():  # a run that stopped before its first checkpoint may start over
            hparams.check_resume_consistency(self.layout.params_file, self.params, self.components, self.log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        self.netG_ckpt_dir = (os.path.dirname(os.path.abspath(netG_ckpt_file)) if netG_ckpt_file
                              else self.layout.checkpoint_dir(NETG))
        self.netD_ckpt_dir = (os.path.dirname(os.path.abspath(netD_ckpt_file)) if netD_ckpt_file
                              else self.layout.checkpoint_dir(NETD))
        self.logger = Logger(log_dir=self.log_dir, num_steps=num_steps, dataset_size=self.num_batches or 1,
                             n_dis=n_dis, flush_secs=flush_secs, trackers=loggers)
        self.scheduler = LRScheduler(self.lr_decay, self.optD, self.optG, self.num_steps)
        self.stream = BatchStream(self.dataloader, world_size=self.world_size)
        self.global_step = 0
        self._setup_done = False
        self._first_batch_checked = False  # contract checks (training/checks.py)

    # ----------------------------------------------------------------------------------
    # What components see (training/context.py) and older names
    @property
    def log_dir(self) -> str:
        """The run's folder."""
        return self.layout.root

    @property
    def rank(self) -> int:
        """This process's rank (0 without distributed training)."""
        return self.strategy.rank

    @property
    def world_size(self) -> int:
        """The number of processes."""
        return self.strategy.world_size

    @property
    def is_main_process(self) -> bool:
        """True on the process that writes files (rank 0)."""
        return self.strategy.is_main_process

    @property
    def distributed(self) -> DistributedTraining:
        """The strategy, under its earlier name."""
        return self.strategy

    def network(self, name: str) -> Optional[nn.Module]:
        """A network published by a component (``'netG_ema'``), or None."""
        for component in self.components:
            net = component.networks().get(name)
            if net is not None:
                return net
        return None

    @property
    def netG_ema(self) -> Optional[BaseGenerator]:
        """The EMA generator (``Trainer(ema_decay=...)``), None without one or before ``train()``."""
        net = self.network(EMA)
        return net if isinstance(net, BaseGenerator) else None

    def _model_device(self) -> torch.device:
        for p in self.netG.parameters():
            if p.device.type != "cpu":
                return p.device
            break
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

    def save_checkpoints(self) -> None:
        """Writes netD, netG, the components' files and the trainer state of the current global
        step (rank 0 only; every rank must call it), then prunes old ones."""
        self.checkpointing.save()

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
        any_bad, = self.strategy.any_flag(bool(bad))
        if any_bad:
            last = self.checkpointing.complete_steps()
            where = f"step {last[0]}" if last else "none yet"
            what = f"Non-finite {', '.join(bad)}" if bad else "A non-finite loss on another rank"
            raise FloatingPointError(
                f"{what} in the {phase} step of global step {self.global_step + 1}: training "
                f"stopped and no checkpoint was written for it (latest checkpoint in {self.log_dir!r}: {where}). "
                "Lower the learning rates, check the data range ([-1, 1]) or the loss.")

    def _step(self, phase: str, real_batch: _Batch, log_data: MetricLog) -> MetricLog:
        """One ``train_step`` of netD (``phase='D'``) or netG (``'G'``) inside the parts' contexts."""
        net, opt, other = ((self.netD, self.optD, {"netG": self.netG, "optD": self.optD}) if phase == "D" else
                           (self.netG, self.optG, {"netD": self.netD, "optG": self.optG}))
        kwargs: Dict[str, Any] = dict(self.precision.train_step_kwargs(phase))
        self.strategy.begin_step()
        with contextlib.ExitStack() as stack:
            stack.enter_context(self.precision.step_context(phase))
            stack.enter_context(self.discriminator_hooks.step(phase, real_batch, self.global_step, optimizer=opt))
            for component in self.components:
                stack.enter_context(component.step_context(self, phase, real_batch))
                kwargs.update(component.train_step_kwargs(self, phase))
            train_step = cast(Callable[..., MetricLog], net.train_step)  # each family has its own signature
            kwargs = {k: v for k, v in kwargs.items() if arguments.accepts_keyword(train_step, k)}
            log_data = train_step(real_batch, log_data=log_data, device=self.device, global_step=self.global_step,
                                  **other, **kwargs)
        self.precision.after_step(phase, net)
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

    def _setup(self) -> None:
        """Sets the parts up (the strategy at every ``train()``, the rest once) and compiles the
        networks when asked."""
        self.strategy.setup((self.netD, self.netG), (self.optD, self.optG), self.device)
        if self._setup_done:
            return
        self.precision.setup(self.strategy.average_gradients_now if self.strategy.active else None)
        for component in self.components:
            component.setup(self)
        if self.compilation is not None:
            self.compilation.setup({"netD": self.netD, "netG": self.netG})
            self.params["compile_status"] = dict(self.compilation.status)
        self._setup_done = True

    def _snapshot(self) -> Dict[str, Any]:
        """The state of the run before an iteration (networks, optimizers, RNG, data position, the
        precision plugin and the components), for the compile fallback of the first iteration."""
        return {"nets": state_snapshot((self.netD, self.netG), (self.optD, self.optG)), "rng": get_rng_state(),
                "data": self.stream.state_dict(), "precision": copy.deepcopy(self.precision.state_dict()),
                "components": {c.name: copy.deepcopy(c.state_dict()) for c in self.components}}

    def _restore_snapshot(self, snapshot: Dict[str, Any]) -> None:
        restore_snapshot(snapshot["nets"], (self.netD, self.netG), (self.optD, self.optG))
        self.stream.load_state_dict(snapshot["data"])
        set_rng_state(snapshot["rng"])
        self.precision.load_state_dict(snapshot["precision"])
        for component in self.components:
            component.load_state_dict(snapshot["components"][component.name])

    def _first_iteration(self, log_data: MetricLog) -> MetricLog:
        """The first iteration of ``train()``; with ``compile=``, retried uncompiled where compiling fails."""
        if self.compilation is None:
            return self._train_iteration(log_data)
        status = dict(self.compilation.status)
        log_data = self.compilation.first_iteration(lambda: self._train_iteration(copy.deepcopy(log_data)),
                                                    self._snapshot, self._restore_snapshot)
        if self.compilation.status != status:
            self.params["compile_status"] = dict(self.compilation.status)
            if self.is_main_process:
                atomic_json_dump(hparams.json_value(self.params), self.layout.params_file)
        return log_data

    def _start(self) -> bool:
        """Resumes or seeds the run; returns False when there is nothing left to train."""
        self.global_step, state = self.checkpointing.resume()
        if state is None and self.global_step == 0 and (self.seed is not None or self.strategy.active):
            base = self.seed if self.seed is not None else self.strategy.broadcast(torch.initial_seed())
            seed_everything(base + self.rank)
        if self.is_main_process:
            atomic_json_dump(hparams.json_value(self.params), self.layout.params_file)
        if self.global_step >= self.num_steps:
            if self.is_main_process:
                print(f"INFO: {self.log_dir!r} is already at step {self.global_step} of {self.num_steps}; "
                      "nothing to do.", flush=True)
            return False
        if state is not None:
            self.checkpointing.apply_state(state)
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
            self.strategy.close()
            self.logger.close()
        return self.global_step

    def _run(self) -> None:
        last_saved = self.global_step
        interval_start, interval_steps = time.time(), 0
        stop, first = False, True
        try:
            with StopOnSignal(lambda: self.global_step) as stop_request:
                while self.global_step < self.num_steps and not stop:
                    log_data = self.scheduler.step(MetricLog(), self.global_step)
                    log_data = self._first_iteration(log_data) if first else self._train_iteration(log_data)
                    first = False
                    self.global_step += 1
                    interval_steps += 1
                    self.strategy.synchronize_buffers((self.netD, self.netG))
                    for component in self.components:
                        component.after_iteration(self, log_data)
                    stop, = self.strategy.any_flag(stop_request.received is not None)
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
