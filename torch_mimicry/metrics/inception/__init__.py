"""The 2015 TensorFlow Inception network used by IS / FID / KID.

* :func:`inception_features`: ``(pool3 [N, 2048], logits [N, 1008])`` float64 of images;
  ``backend='torch'`` (PyTorch port, default) or ``'tf'`` (original graph, TensorFlow in a
  child process); ``resize='tf1'`` (the graph's bilinear resize) or ``'clean'``
  (clean-fid's anti-aliased bicubic).
* :func:`load_inception_weights`, :func:`weights_hash`: weights from a ``.tgz``, ``.pb`` or
  ``.pth`` file, ``$MIMICRY_INCEPTION_WEIGHTS``, the cache ``$MIMICRY_HOME/inception`` or
  a download of ``inception-2015-12-05.tgz``.
"""
from torch_mimicry.metrics.inception.features import get_inception_model, images_to_uint8, inception_features
from torch_mimicry.metrics.inception.graphdef import CONV_LAYERS, canonical_keys, graphdef_to_state_dict
from torch_mimicry.metrics.inception.network import InceptionV3TF, tf1_resize_bilinear, tf1_resize_matrix
from torch_mimicry.metrics.inception.resize import RESIZE_MODES, clean_resize, pil_bicubic_matrix
from torch_mimicry.metrics.inception.tf_backend import tensorflow_available
from torch_mimicry.metrics.inception.weights import (INCEPTION_URL, WeightsNotFoundError, cache_dir, detect_format,
                                                     load_inception_weights, mimicry_home, state_dict_hash,
                                                     weights_hash)

__all__ = [
    "inception_features", "load_inception_weights", "weights_hash", "images_to_uint8", "get_inception_model",
    "InceptionV3TF", "tf1_resize_bilinear", "tf1_resize_matrix", "graphdef_to_state_dict", "canonical_keys",
    "CONV_LAYERS", "state_dict_hash", "detect_format", "cache_dir", "mimicry_home", "INCEPTION_URL",
    "WeightsNotFoundError", "tensorflow_available", "RESIZE_MODES", "clean_resize", "pil_bicubic_matrix",
]
