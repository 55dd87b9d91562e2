"""torch_mimicry: an object-oriented PyTorch library for reproducible GAN research.

Importing the package has no side effects: it never imports TensorFlow, never downloads
and never initialises CUDA. torchvision is imported before anything that could pull in
TensorFlow (``torch.utils.tensorboard`` does when TensorFlow is installed), because
TensorFlow loaded before torchvision has crashed the interpreter.
"""
import torch  # noqa: F401  (torch's own imports must finish first)
import torchvision  # noqa: F401

from torch_mimicry.version import __version__
from torch_mimicry import augment, datasets, hub, metrics, modules, nets, training, utils

__all__ = ["__version__", "augment", "datasets", "hub", "metrics", "modules", "nets", "training", "utils"]
