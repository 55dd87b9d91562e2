"""Calls of the annotated training and datasets API that the type check must accept (``make typecheck``).

This file is only type-checked, never run."""
import pathlib
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

import torch_mimicry as mmc
from torch_mimicry.datasets import dataset_resolution, load_dataset
from torch_mimicry.datasets.image_loader import get_dataset_images
from torch_mimicry.nets.gan import BaseDiscriminator, BaseGenerator
from torch_mimicry.training import LRScheduler, Logger, MetricLog, Trainer
from torch_mimicry.training.checkpoints import candidate_steps, checkpoint_path
from torch_mimicry.training.components import TrainerComponent
from torch_mimicry.training.rng import get_rng_state, seed_everything, set_rng_state


class PrintLR(TrainerComponent):
    name = "print_lr"

    def after_iteration(self, trainer: Trainer, log_data: MetricLog) -> None:
        print(trainer.global_step, log_data.get_value("lr_D"))


def calls(netD: BaseDiscriminator, netG: BaseGenerator, optD: torch.optim.Optimizer,
          optG: torch.optim.Optimizer) -> None:
    version: str = mmc.__version__
    dataset: Dataset[Any] = load_dataset("./datasets", "cifar10", split="test", download=False)
    synthetic = load_dataset(None, "synthetic", size=64, image_size=16)
    folder = load_dataset(pathlib.Path("./images"), "image_folder", image_size=32)
    size: int = dataset_resolution("fake_data", (3, 48, 48)) + dataset_resolution("cifar10")
    images: np.ndarray = get_dataset_images(synthetic, num_samples=10)
    assert version and folder and size and images.size

    dataloader: DataLoader[Any] = DataLoader(dataset, batch_size=64, shuffle=True, drop_last=True)
    # 0.1.16's positional order, then the keywords of this library
    trainer = Trainer(netD, netG, optD, optG, dataloader, 100, "./log", 5, "linear", "cpu", None, None, 10,
                      float("inf"), 50, 5000, 30, "bf16", ema_decay=0.999, eval_every=50,
                      eval_kwargs={"num_samples": 100}, compile={"mode": "reduce-overhead"}, augment="diffaugment",
                      lecam=0.3, progress="bar", components=[PrintLR()],
                      loggers=["tensorboard", mmc.training.WandbTracker(mode="offline"), "mlflow"])
    final_step: int = trainer.train()
    trainer.save_checkpoints()
    netG_ema: Optional[BaseGenerator] = trainer.netG_ema
    assert final_step and netG_ema is None

    log_data = MetricLog(errD=torch.tensor(0.5))
    log_data.add_metric("errG", 1.25, group="loss", precision=3)
    rounded: float = log_data["errG"]
    pairs: List[Tuple[str, float]] = log_data.scalars()
    group: Optional[str] = log_data.get_group_name("errG")
    assert rounded and pairs and group

    scheduler = LRScheduler("linear", optD, optG, num_steps=100)
    log_data = scheduler.step(log_data, global_step=10)
    lr: float = scheduler.linear_decay(optD, 10, (2e-4, 0.0), (0, 100))
    logger = Logger(pathlib.Path("./log"), num_steps=100, dataset_size=10)
    text: str = logger.print_log(10, log_data, time_taken=0.25, steps_left=90)
    logger.vis_images(netG, 10, num_images=16)
    logger.log_scalars({"eval/fid": 20.0}, 10)
    assert lr and text
    tracked = Logger("./log", 100, 10, trackers=mmc.training.MLflowTracker(tracking_uri="sqlite:///mlflow.db"))

    pre = mmc.hub.load_pretrained("sngan_cifar10", sha256="0" * 64, device="cpu")
    generated: torch.Tensor = pre.netG.generate_images(4)
    out_dir: str = mmc.hub.save_pretrained("./log", "out", which="ema", step=100)
    published = mmc.nets.sngan.SNGANGenerator32.from_pretrained(out_dir)
    info: Dict[str, Any] = mmc.hub.push_to_hub(netG, "owner/name", private=True)
    assert tracked and generated.numel() and published and info

    steps, complete = candidate_steps("./log", extra_names=("netG_ema",))
    path: str = checkpoint_path("./log", "netG", steps[0] if steps and complete else 0)
    state: Dict[str, Any] = get_rng_state()
    set_rng_state(state)
    seed_everything(0)
    assert path
