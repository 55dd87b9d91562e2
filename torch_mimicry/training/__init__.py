"""Training: the Trainer, the MetricLog message, the Logger, learning-rate schedules and the LeCam
regulariser."""
from torch_mimicry.training.lecam import LeCam
from torch_mimicry.training.logger import Logger
from torch_mimicry.training.metric_log import MetricLog
from torch_mimicry.training.scheduler import LRScheduler
from torch_mimicry.training.trainer import Trainer

__all__ = ["LRScheduler", "LeCam", "Logger", "MetricLog", "Trainer"]
