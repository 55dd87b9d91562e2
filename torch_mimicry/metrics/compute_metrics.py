"""``evaluate`` at the module path of torch-mimicry 0.1.16 (see ``metrics.evaluation``)."""
from torch_mimicry.metrics.evaluation import evaluate

__all__ = ["evaluate"]
