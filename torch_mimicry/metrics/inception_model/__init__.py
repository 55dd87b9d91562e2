"""The Inception helpers of torch-mimicry 0.1.16 (``get_activations``, ``create_inception_graph``),
computed by this library's Inception network (``torch_mimicry.metrics.inception``)."""
from torch_mimicry.metrics.inception_model import inception_utils
from torch_mimicry.metrics.inception_model.inception_utils import create_inception_graph, get_activations

__all__ = ["create_inception_graph", "get_activations", "inception_utils"]
