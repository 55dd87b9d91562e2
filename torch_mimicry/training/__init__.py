"""Training: the Trainer, the MetricLog message, the Logger and its experiment trackers
(TensorBoard, Weights & Biases, MLflow), learning-rate schedules and the LeCam regulariser."""
from torch_mimicry.training.lecam import LeCam
from torch_mimicry.training.logger import Logger
from torch_mimicry.training.metric_log import MetricLog
from torch_mimicry.training.scheduler import LRScheduler
from torch_mimicry.training.trackers import MLflowTracker, TensorBoardTracker, Tracker, WandbTracker
from torch_mimicry.training.trainer import Trainer

__all__ = ["LRScheduler", "LeCam", "Logger", "MLflowTracker", "MetricLog", "TensorBoardTracker", "Tracker", "Trainer",
           "WandbTracker"]
