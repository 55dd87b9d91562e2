"""Logger: console lines, and scalars, image grids (also saved as PNG files) and metric records
written to the experiment trackers: TensorBoard by default, Weights & Biases and MLflow on request
(:mod:`torch_mimicry.training.trackers`)."""
import json
import os
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Union

import torch
import torchvision.utils as vutils

from torch_mimicry.nets.gan.gan import BaseGenerator
from torch_mimicry.training.metric_log import MetricLog
from torch_mimicry.training.trackers import TensorBoardTracker, Tracker, TrackerSpec, make_trackers
from torch_mimicry.utils.io import StrPath, atomic_torch_save, atomic_write
from torch_mimicry.utils.run_layout import RunLayout
from torch_mimicry.utils.tensorboard import summary_writer

if TYPE_CHECKING:  # imported on first use: importing it is slow
    from torch.utils.tensorboard import SummaryWriter


def _is_main_process() -> bool:
    """False on the ranks other than 0 of an initialised ``torch.distributed`` process group."""
    dist = torch.distributed
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


def _format_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    hours, rem = divmod(seconds, 3600)
    minutes, secs = divmod(rem, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


class Logger:
    """Writes what a MetricLog holds to the console and the experiment trackers, and visualises samples.

    Layout under ``log_dir``: ``data/`` (TensorBoard event files), ``images/``
    (``fake_samples_step_<k>.png``, ``fixed_fake_samples_step_<k>.png``) and
    ``images/fixed_noise.pth``, the fixed noise batch made once per log_dir so grids stay
    comparable over training and across resumed runs; ``trackers/`` (the W&B / MLflow run ids).

    Args:
        log_dir (str): the run's folder.
        num_steps (int): total generator steps (for progress and ETA).
        dataset_size (int): batches per epoch of the dataloader.
        device: unused (images are generated on the generator's device); kept at the position
            torch-mimicry 0.1.16 had it.
        flush_secs (int): TensorBoard flush interval.
        n_dis (int): discriminator steps (batches) per generator step.
        trackers (list): where scalars, images and records go: names (``'tensorboard'``,
            ``'wandb'``, ``'mlflow'``) and :class:`~torch_mimicry.training.trackers.Tracker`
            objects; default TensorBoard only. Each is checked now (package installed, logged
            in) and starts its run at the first thing logged; on ranks other than 0 of a
            distributed run none is used.
        **kwargs: accepted and ignored, as in 0.1.16.
    """

    #: Images per grid of :meth:`vis_images` unless it is given ``num_images``.
    num_images = 64

    def __init__(self, log_dir: StrPath, num_steps: int, dataset_size: int,
                 device: Union[str, torch.device, None] = None, flush_secs: int = 120, n_dis: int = 1,
                 trackers: Union[None, TrackerSpec, Sequence[TrackerSpec]] = None, **kwargs: Any) -> None:
        self.log_dir = log_dir
        self.num_steps = num_steps
        self.dataset_size = max(1, dataset_size)
        self.n_dis = n_dis
        self.flush_secs = flush_secs
        self.device = device
        self.layout = layout = RunLayout(log_dir)
        self.images_dir = layout.images_dir
        self.data_dir = layout.tensorboard_dir
        main = _is_main_process()
        #: The trackers written to (empty on ranks other than 0).
        self.trackers: List[Tracker] = make_trackers(trackers, flush_secs=flush_secs) if main else []
        self._started: List[Tracker] = []
        self._writer: Optional["SummaryWriter"] = None  # TensorBoard's, when no TensorBoardTracker is used

    @property
    def writer(self) -> "SummaryWriter":
        """The TensorBoard SummaryWriter, created on first use (importing it is slow): the
        TensorBoard tracker's, or one of its own when the trackers have none."""
        for tracker in self._active():
            if isinstance(tracker, TensorBoardTracker):
                return tracker.writer
        if self._writer is None:
            self._writer = summary_writer(self.data_dir, flush_secs=self.flush_secs)
        return self._writer

    def _params(self) -> Dict[str, Any]:
        path = self.layout.params_file
        if not os.path.isfile(path):
            return {}
        with open(path, encoding="utf-8") as f:
            try:
                params = json.load(f)
            except json.JSONDecodeError:
                return {}
        return params if isinstance(params, dict) else {}

    def _active(self) -> List[Tracker]:
        """The trackers, each started (with the hyperparameters of ``params.json``) on first use."""
        waiting = [t for t in self.trackers if not any(t is s for s in self._started)]
        if waiting:
            params = self._params()
            for tracker in waiting:
                tracker.start(self.layout, params)
                self._started.append(tracker)
        return self._started

    def log_scalars(self, scalars: Mapping[str, float], global_step: int,
                    groups: Optional[Mapping[str, str]] = None) -> None:
        """Writes ``{name: value}`` at ``global_step`` to every tracker (``groups``: name -> chart group)."""
        for tracker in self._active():
            tracker.log_scalars(scalars, global_step, groups)

    def log_record(self, record: Mapping[str, Any]) -> None:
        """Writes a metric record (score, step and protocol, :mod:`torch_mimicry.metrics.records`)
        to every tracker."""
        for tracker in self._active():
            tracker.log_record(record)

    def epoch(self, global_step: int) -> int:
        """The 1-based epoch of ``global_step``: batches drawn so far over batches per epoch."""
        return (max(global_step - 1, 0) * self.n_dis) // self.dataset_size + 1

    @property
    def num_epochs(self) -> int:
        """Epochs (passes over the dataloader) that ``num_steps`` generator steps span: an int, as
        0.1.16's attribute of that name."""
        return (self.num_steps * self.n_dis - 1) // self.dataset_size + 1

    def print_log(self, global_step: int, log_data: MetricLog, time_taken: float,
                  steps_left: Optional[int] = None) -> str:
        """Prints one block: epoch, step, every metric (sorted by name, rounded to its precision
        as torch-mimicry 0.1.16 printed it) and seconds per step (and the time left when
        ``steps_left`` is given).

        Returns the printed text.
        """
        lines = [f"INFO: [Epoch {self.epoch(global_step)}/{self.num_epochs}]"
                 f"[Global Step: {global_step}/{self.num_steps}] "]
        lines += [f"| {name}: {log_data[name]}" for name in sorted(log_data.keys())]
        timing = f"| ({time_taken:.4f} sec/idx"
        if steps_left is not None:
            timing += f", ETA {_format_duration(steps_left * time_taken)}"
        lines.append(timing + ")")
        text = "\n".join(lines)
        print(text, flush=True)
        return text

    def write_summaries(self, log_data: MetricLog, global_step: int) -> None:
        """The scalars (unrounded) to every tracker: in TensorBoard metrics of one group on one
        chart, others on their own; elsewhere named ``<group>/<name>``."""
        scalars = dict(log_data.scalars())
        groups = {name: group for name in scalars for group in [log_data.get_group_name(name)] if group is not None}
        self.log_scalars(scalars, global_step, groups)

    def fixed_noise(self, netG: BaseGenerator, num_images: Optional[int] = None) -> torch.Tensor:
        """The run's fixed noise ``[num_images, nz]``, made once and kept in ``images/``.

        It is drawn from its own seeded generator, so it does not disturb the training RNG. A
        log_dir of torch-mimicry 0.1.16 keeps its noise (``viz/fixed_noise_nz_<nz>.pth``).
        """
        num_images = self.num_images if num_images is None else num_images
        path = os.path.join(self.images_dir, "fixed_noise.pth" if num_images == self.num_images
                            else f"fixed_noise_{num_images}.pth")
        legacy = os.path.join(self.log_dir, "viz", f"fixed_noise_nz_{netG.nz}.pth")
        for candidate in (path, legacy):
            if os.path.isfile(candidate):
                noise = torch.load(candidate, map_location="cpu", weights_only=True)
                if isinstance(noise, torch.Tensor) and noise.shape == (num_images, netG.nz):
                    return noise
        noise = torch.randn(num_images, netG.nz, generator=torch.Generator().manual_seed(0))
        atomic_torch_save(noise, path, what="fixed noise of the image grids")
        return noise

    @torch.no_grad()
    def vis_images(self, netG: BaseGenerator, global_step: int, num_images: int = 64,
                   fixed_netG: Optional[BaseGenerator] = None) -> None:
        """Saves grids of ``num_images`` random and fixed-noise samples (TensorBoard and PNG), in
        eval mode.

        Args:
            netG: the generator of the random-noise grid (and of the fixed-noise grid unless
                ``fixed_netG`` is given).
            global_step (int): the step in the file names and TensorBoard.
            num_images (int): images per grid (64, as in 0.1.16).
            fixed_netG: the generator of the fixed-noise grid, e.g. the EMA generator.

        The generators' modes and the global RNG are restored afterwards, so visualising does
        not change training.
        """
        num_images = int(num_images)
        if num_images < 1:
            raise ValueError(f"num_images must be a positive integer, got {num_images}.")
        fixed_netG = netG if fixed_netG is None else fixed_netG
        modes = [(net, net.training) for net in (netG, fixed_netG)]
        rng_state = torch.get_rng_state()
        cuda_states = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
        for net, _ in modes:
            net.eval()
        try:
            fixed = self._generate(fixed_netG, self.fixed_noise(fixed_netG, num_images).to(fixed_netG.device))
            random = netG.generate_images(num_images, device=netG.device)
        finally:
            for net, was_training in reversed(modes):
                net.train(was_training)
            torch.set_rng_state(rng_state)
            if cuda_states is not None:
                torch.cuda.set_rng_state_all(cuda_states)
        for tag, images in (("fake_samples", random), ("fixed_fake_samples", fixed)):
            grid = vutils.make_grid(images.detach().float().cpu(), padding=2, normalize=True, value_range=(-1, 1))
            name = f"{tag}_step_{global_step}.png"
            atomic_write(os.path.join(self.images_dir, name), lambda f: vutils.save_image(grid, f, format="png"),
                         what=f"image grid {name}")
            for tracker in self._active():
                tracker.log_image(f"{tag.replace('_samples', '')}_vis", grid, global_step)

    @staticmethod
    def _generate(netG: BaseGenerator, noise: torch.Tensor) -> torch.Tensor:
        num_classes = getattr(netG, "num_classes", 0)
        if num_classes and hasattr(netG, "generate_images_with_labels"):
            labels = torch.arange(noise.shape[0], device=noise.device) % num_classes
            return netG(noise, labels)
        return netG(noise)

    def flush(self) -> None:
        """Writes what the trackers have pending (TensorBoard events) to disk."""
        for tracker in self._started:
            tracker.flush()
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """Flushes and closes the trackers' runs; the logger can be closed more than once (a later
        write opens a new writer, and W&B / MLflow continue the same run)."""
        started, self._started = self._started, []
        for tracker in started:
            tracker.finish()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def close_writers(self) -> None:
        """The name torch-mimicry 0.1.16 gave :meth:`close`."""
        self.close()
