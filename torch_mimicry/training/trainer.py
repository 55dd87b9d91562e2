"""Trainer: assembles networks, optimizers and data, and runs the GAN training loop."""
import json
import os
import random
import signal
import threading
import time
import warnings

import numpy as np
import torch

from torch_mimicry.nets.basemodel import CheckpointError, load_checkpoint_file
from torch_mimicry.training import checkpoints as ckpt_layout
from torch_mimicry.training import original_runs
from torch_mimicry.training.logger import Logger
from torch_mimicry.training.memory_format import default_channels_last
from torch_mimicry.training.metric_log import MetricLog
from torch_mimicry.training.scheduler import LRScheduler
from torch_mimicry.utils.io import atomic_json_dump, atomic_torch_save

PARAMS_FILE = "params.json"

# Hyperparameters that may change when a run is resumed (a researcher extends a run or
# changes how often it logs); every other recorded hyperparameter must match.
MUTABLE_HPARAMS = ("num_steps", "print_steps", "vis_steps", "log_steps", "save_steps", "flush_secs",
                   "keep_last", "device", "channels_last")

_OPTIMIZER_KEYS = ("betas", "eps", "weight_decay", "momentum", "dampening", "nesterov", "amsgrad", "alpha",
                   "centered")
_NETWORK_KEYS = ("nz", "ngf", "ndf", "bottom_width", "loss_type", "num_classes")


class _frozen:
    """Context manager that turns off ``requires_grad`` of a module's trainable parameters.

    Used on the network that is not being updated: the discriminator step needs no graph
    through the generator, and the generator step needs gradients with respect to the
    discriminator's input only, not its weights (which the next discriminator step zeroes).
    """

    def __init__(self, module):
        self.params = [p for p in module.parameters() if p.requires_grad]

    def __enter__(self):
        for p in self.params:
            p.requires_grad_(False)

    def __exit__(self, *exc):
        for p in self.params:
            p.requires_grad_(True)


def _check_positive_int(name, value, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _check_interval(name, value):
    """A positive integer, or ``float('inf')`` for "never" (as in torch-mimicry 0.1.16)."""
    if value != float("inf"):
        _check_positive_int(name, value)


def _json_value(value):
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _flatten(params, prefix=""):
    """``{'optD': {'lr': 1}}`` -> ``{'optD.lr': 1}``."""
    flat = {}
    for key, value in params.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


class Trainer:
    """Trains a GAN: ``n_dis`` discriminator steps, each on a fresh batch, then one generator step.

    ``global_step`` counts generator steps. Every ``save_steps`` steps (and at the end or on
    Ctrl-C / SIGTERM) the run writes ``log_dir/checkpoints/{netD,netG,trainer}/..._<step>_steps.pth``
    atomically; ``log_dir/params.json`` records the hyperparameters. Calling ``train()`` on a
    log_dir that holds checkpoints resumes from the latest complete one, exactly where it
    stopped (optimizer, learning-rate schedule, RNG and data position are restored).

    Args:
        netD, netG (BaseModel): discriminator and generator with ``train_step`` methods.
        optD, optG (Optimizer): their optimizers.
        dataloader (DataLoader): yields ``(images [N, 3, H, W] in [-1, 1], labels [N])``.
        num_steps (int): generator steps to train for.
        log_dir (str): folder of checkpoints, TensorBoard logs and images.
        n_dis (int): discriminator steps per generator step.
        lr_decay (str): ``None`` or ``'linear'`` (to 0 at ``num_steps``).
        device (torch.device): where to train; default the generator's device, or
            ``cuda:0`` when the networks are on the CPU and CUDA is available (as in 0.1.16).
        netG_ckpt_file, netD_ckpt_file (str): resume from these files instead of the latest.
        print_steps, vis_steps, log_steps, save_steps (int): intervals, in generator steps,
            of console lines, image grids, TensorBoard scalars and checkpoints;
            ``float('inf')`` means never (checkpoints are still written at the end).
        flush_secs (int): TensorBoard flush interval.
        seed (int): seeds torch, numpy and random at the start of a new run.
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

    After construction ``log_dir`` exists, and ``netG_ckpt_dir`` / ``netD_ckpt_dir`` name the
    checkpoint folders (those of the given checkpoint files, if any), ``scheduler`` the
    learning-rate schedule and ``logger`` the Logger.
    """

    def __init__(self, netD, netG, optD, optG, dataloader, num_steps, log_dir="./log", n_dis=1, lr_decay=None,
                 device=None, netG_ckpt_file=None, netD_ckpt_file=None, print_steps=1, vis_steps=500,
                 log_steps=50, save_steps=5000, flush_secs=30, seed=None, keep_last=None, channels_last=None):
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
        try:
            num_batches = len(dataloader)
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

        self.netD, self.netG, self.optD, self.optG = netD, netG, optD, optG
        self.dataloader = dataloader
        self.num_steps = num_steps
        self.log_dir = os.fspath(log_dir)
        self.n_dis = n_dis
        self.lr_decay = lr_decay
        self.device = torch.device(device) if device is not None else self._model_device()
        self.netG_ckpt_file, self.netD_ckpt_file = netG_ckpt_file, netD_ckpt_file
        self.print_steps, self.vis_steps, self.log_steps = print_steps, vis_steps, log_steps
        self.save_steps, self.flush_secs = save_steps, flush_secs
        self.seed = seed
        self.keep_last = keep_last
        self.num_batches = num_batches

        self.channels_last = (default_channels_last(self.device, netD, netG) if channels_last is None
                              else bool(channels_last))
        for net in (self.netD, self.netG):
            net.to(self.device)
            if self.channels_last:
                net.to(memory_format=torch.channels_last)
        self.params = self._hyperparameters()
        self._check_resume_consistency()

        os.makedirs(self.log_dir, exist_ok=True)
        self.netG_ckpt_dir = (os.path.dirname(os.path.abspath(netG_ckpt_file)) if netG_ckpt_file
                              else ckpt_layout.checkpoint_dir(self.log_dir, "netG"))
        self.netD_ckpt_dir = (os.path.dirname(os.path.abspath(netD_ckpt_file)) if netD_ckpt_file
                              else ckpt_layout.checkpoint_dir(self.log_dir, "netD"))
        self.logger = Logger(log_dir=self.log_dir, num_steps=num_steps, dataset_size=num_batches or 1,
                             n_dis=n_dis, flush_secs=flush_secs)
        self.scheduler = LRScheduler(self.lr_decay, self.optD, self.optG, self.num_steps)
        self.global_step = 0
        self._stop_signal = None
        self._data_iter = None
        self._epoch_rng_state = None
        self._batches_in_epoch = 0

    # ----------------------------------------------------------------------------------
    # Hyperparameters
    def _model_device(self):
        for p in self.netG.parameters():
            if p.device.type != "cpu":
                return p.device
            break
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

    @staticmethod
    def _optimizer_hparams(opt):
        group = opt.param_groups[0]
        hp = {"class": type(opt).__name__, "lr": group.get("initial_lr", group["lr"])}
        hp.update({k: _json_value(group[k]) for k in _OPTIMIZER_KEYS if k in group})
        return hp

    @staticmethod
    def _network_hparams(net):
        hp = {"class": type(net).__name__, "num_params": sum(p.numel() for p in net.parameters())}
        hp.update({k: _json_value(getattr(net, k)) for k in _NETWORK_KEYS if hasattr(net, k)})
        return hp

    def _hyperparameters(self):
        dataset = getattr(self.dataloader, "dataset", None)
        try:
            dataset_size = len(dataset) if dataset is not None else None
        except TypeError:
            dataset_size = None
        return {
            "num_steps": self.num_steps,
            "n_dis": self.n_dis,
            "lr_decay": self.lr_decay,
            "batch_size": getattr(self.dataloader, "batch_size", None),
            "dataset": type(dataset).__name__ if dataset is not None else None,
            "dataset_size": dataset_size,
            "optD": self._optimizer_hparams(self.optD),
            "optG": self._optimizer_hparams(self.optG),
            "netD": self._network_hparams(self.netD),
            "netG": self._network_hparams(self.netG),
            "seed": self.seed,
            "print_steps": self.print_steps,
            "vis_steps": self.vis_steps,
            "log_steps": self.log_steps,
            "save_steps": self.save_steps,
            "flush_secs": self.flush_secs,
            "keep_last": self.keep_last,
            "device": str(self.device),
            "channels_last": self.channels_last,
        }

    def _params_path(self):
        return os.path.join(self.log_dir, PARAMS_FILE)

    def _check_resume_consistency(self):
        """Refuses to resume a run whose recorded hyperparameters differ from these ones."""
        path = self._params_path()
        if not os.path.isfile(path):
            return
        with open(path) as f:
            try:
                saved = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path} is not valid JSON ({e}); restore it or use a new log_dir.") from e
        if original_runs.is_original_params(saved):  # a run started by torch-mimicry 0.1.16
            changed = original_runs.original_params_changes(saved, self.params, self.optD, self.optG)
        else:
            saved, current = _flatten(saved), _flatten(_json_value(self.params))
            changed = []
            for key in sorted(set(saved) | set(current)):
                if key in MUTABLE_HPARAMS:
                    continue
                old, new = saved.get(key), current.get(key)
                if old != new:
                    changed.append(f"'{key}' was {old!r} in the saved run and is {new!r} now")
        if changed:
            raise ValueError(f"Cannot resume the run in {self.log_dir!r}: hyperparameters changed ("
                             + "; ".join(changed) + "). Only num_steps and the logging and saving intervals may "
                             "change when resuming; restore the other values or train in a new log_dir.")

    # ----------------------------------------------------------------------------------
    # Checkpoints
    def _rng_state(self):
        np_state = np.random.get_state()
        py_state = random.getstate()
        return {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else [],
            "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]),
                      int(np_state[3]), float(np_state[4])],
            "python": [py_state[0], list(py_state[1]), py_state[2]],
        }

    @staticmethod
    def _set_rng_state(state):
        torch.set_rng_state(state["torch"])
        if state.get("cuda") and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])
        kind, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))

    def _loader_generators(self):
        gens = [getattr(self.dataloader, "generator", None), getattr(getattr(self.dataloader, "sampler", None),
                                                                     "generator", None)]
        return [g for g in gens if isinstance(g, torch.Generator)]

    def _trainer_state(self):
        return {
            "global_step": self.global_step,
            "rng": self._rng_state(),
            "epoch_rng": self._epoch_rng_state,
            "batches_in_epoch": self._batches_in_epoch,
        }

    def save_checkpoints(self):
        """Writes netD, netG and trainer state for the current global step, then prunes old ones."""
        step = self.global_step
        self.netD.save_checkpoint(ckpt_layout.checkpoint_dir(self.log_dir, "netD"), step, self.optD,
                                  name=f"netD_{step}_steps.pth")
        self.netG.save_checkpoint(ckpt_layout.checkpoint_dir(self.log_dir, "netG"), step, self.optG,
                                  name=f"netG_{step}_steps.pth")
        atomic_torch_save(self._trainer_state(), ckpt_layout.checkpoint_path(self.log_dir, "trainer", step))
        if self.keep_last is not None:
            steps, _ = ckpt_layout.candidate_steps(self.log_dir)
            for old in steps[self.keep_last:]:
                ckpt_layout.remove_step(self.log_dir, old)

    def _restore_from(self, netD_file, netG_file, trainer_file):
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
        return int(g["global_step"]), t

    def _resume(self):
        """Restores the latest complete checkpoint, if any; returns the trainer state or None."""
        if self.netG_ckpt_file is not None:
            step, state = self._restore_from(self.netD_ckpt_file, self.netG_ckpt_file, None)
            trainer_file = ckpt_layout.checkpoint_path(self.log_dir, "trainer", step)
            if os.path.isfile(trainer_file):
                state = torch.load(trainer_file, map_location="cpu", weights_only=True)
            self.global_step = step
            return state
        steps, with_state = ckpt_layout.candidate_steps(self.log_dir)
        for step in steps:
            files = [ckpt_layout.checkpoint_path(self.log_dir, n, step) for n in ("netD", "netG")]
            trainer_file = ckpt_layout.checkpoint_path(self.log_dir, "trainer", step) if with_state else None
            try:
                _, state = self._restore_from(*files, trainer_file)
            except CheckpointError as e:
                print(f"WARNING: checkpoint of step {step} is unusable: {e} Falling back to the previous one.",
                      flush=True)
                continue
            self.global_step = step
            if not with_state:
                warnings.warn(f"Resuming from step {step} without trainer state (RNG and data position): the run "
                              "continues, but not exactly as an uninterrupted one would.")
            return state
        if steps:
            raise CheckpointError(f"No usable checkpoint in {self.log_dir!r}: every saved step is corrupt. "
                                  "Move the checkpoints folder away to start afresh.")
        return None

    # ----------------------------------------------------------------------------------
    # Data
    def _new_epoch(self):
        self._epoch_rng_state = {"torch": torch.get_rng_state(),
                                 "loader": [g.get_state() for g in self._loader_generators()]}
        self._data_iter = iter(self.dataloader)
        self._batches_in_epoch = 0

    def _restore_data_position(self, state):
        """Recreates the interrupted epoch's iterator and skips the batches already used."""
        rng_now = torch.get_rng_state()
        epoch_rng = state.get("epoch_rng")
        if epoch_rng is None:
            self._new_epoch()
            return
        torch.set_rng_state(epoch_rng["torch"])
        for gen, gen_state in zip(self._loader_generators(), epoch_rng["loader"]):
            gen.set_state(gen_state)
        self._new_epoch()
        for _ in range(state.get("batches_in_epoch", 0)):
            self._next_batch()
        torch.set_rng_state(rng_now)

    def _next_batch(self):
        try:
            batch = next(self._data_iter)
        except StopIteration:
            self._new_epoch()
            try:
                batch = next(self._data_iter)
            except StopIteration:
                raise ValueError("The dataloader yielded no batches in a new epoch.") from None
        self._batches_in_epoch += 1
        return batch

    def _to_device(self, batch):
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
    def _install_signal_handlers(self):
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous = {}

        def request_stop(signum, frame):
            if self._stop_signal is not None and signum == signal.SIGINT:
                raise KeyboardInterrupt  # a second Ctrl-C stops at once
            self._stop_signal = signum
            print(f"\nINFO: {signal.Signals(signum).name} received: finishing step {self.global_step + 1} "
                  "and saving checkpoints (press Ctrl-C again to quit without saving)...", flush=True)

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, request_stop)
        return previous

    @staticmethod
    def _restore_signal_handlers(previous):
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    def _check_finite(self, log_data, phase):
        bad = log_data.non_finite()
        if bad:
            last = ckpt_layout.candidate_steps(self.log_dir)[0]
            where = f"step {last[0]}" if last else "none yet"
            raise FloatingPointError(
                f"Non-finite {', '.join(bad)} in the {phase} step of global step {self.global_step + 1}: training "
                f"stopped and no checkpoint was written for it (latest checkpoint in {self.log_dir!r}: {where}). "
                "Lower the learning rates, check the data range ([-1, 1]) or the loss.")

    def _train_iteration(self, log_data):
        """n_dis discriminator steps, each on a fresh batch, then one generator step on the last batch."""
        with _frozen(self.netG):
            for _ in range(self.n_dis):
                real_batch = self._to_device(self._next_batch())
                log_data = self.netD.train_step(real_batch, netG=self.netG, optD=self.optD, log_data=log_data,
                                                device=self.device, global_step=self.global_step)
        self._check_finite(log_data, "discriminator")
        with _frozen(self.netD):
            log_data = self.netG.train_step(real_batch, netD=self.netD, optG=self.optG, log_data=log_data,
                                            device=self.device, global_step=self.global_step)
        self._check_finite(log_data, "generator")
        return log_data

    def _write_params(self):
        atomic_json_dump(_json_value(self.params), self._params_path())

    def train(self):
        """Runs (or resumes) training until ``num_steps`` generator steps; returns the final global step."""
        os.makedirs(self.log_dir, exist_ok=True)
        state = self._resume()
        if state is None and self.global_step == 0 and self.seed is not None:
            torch.manual_seed(self.seed)
            np.random.seed(self.seed)
            random.seed(self.seed)
        self._write_params()
        if self.global_step >= self.num_steps:
            print(f"INFO: {self.log_dir!r} is already at step {self.global_step} of {self.num_steps}; nothing to do.",
                  flush=True)
            return self.global_step
        if state is not None:
            self._restore_data_position(state)
            self._set_rng_state(state["rng"])
            print(f"INFO: Resuming from step {self.global_step}.", flush=True)
        else:
            if self.global_step:
                print(f"INFO: Resuming from step {self.global_step}.", flush=True)
            self._new_epoch()
        self.scheduler = LRScheduler(self.lr_decay, self.optD, self.optG, self.num_steps)
        self.netD.train()
        self.netG.train()

        previous_handlers = self._install_signal_handlers()
        last_saved = self.global_step
        interval_start, interval_steps = time.time(), 0
        try:
            while self.global_step < self.num_steps:
                log_data = self.scheduler.step(MetricLog(), self.global_step)
                log_data = self._train_iteration(log_data)
                self.global_step += 1
                interval_steps += 1

                if self.global_step % self.print_steps == 0:
                    sec_per_step = (time.time() - interval_start) / interval_steps
                    self.logger.print_log(self.global_step, log_data, sec_per_step,
                                          steps_left=self.num_steps - self.global_step)
                    interval_start, interval_steps = time.time(), 0
                if self.global_step % self.log_steps == 0:
                    self.logger.write_summaries(log_data, self.global_step)
                if self.global_step % self.vis_steps == 0:
                    self.logger.vis_images(self.netG, self.global_step)
                if self.global_step % self.save_steps == 0:
                    self.save_checkpoints()
                    last_saved = self.global_step
                if self._stop_signal is not None:
                    break
        except KeyboardInterrupt:
            print("\nINFO: Interrupted again: quitting without saving the current step.", flush=True)
            self.logger.close()
            self._restore_signal_handlers(previous_handlers)
            raise
        self._restore_signal_handlers(previous_handlers)
        if self.global_step != last_saved:
            if self._stop_signal is not None:
                print("INFO: Saving checkpoints from keyboard interrupt...", flush=True)
            self.save_checkpoints()
        self.logger.close()
        print("INFO: Training Ended." if self._stop_signal is None else
              f"INFO: Training stopped at step {self.global_step}; run train() again to resume.", flush=True)
        return self.global_step
