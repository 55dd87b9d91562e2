"""The Inception Score helpers of torch-mimicry 0.1.16 (``get_predictions``,
``get_inception_score``), computed by this library's Inception network and IS formula.

``torch_mimicry.metrics.inception_score`` itself is the function scoring a generator (as in
0.1.16); this package is reached by importing it by its full name, e.g.
``from torch_mimicry.metrics.inception_score import inception_score_utils``.
"""
from torch_mimicry.metrics.inception_score import inception_score_utils
from torch_mimicry.metrics.inception_score.inception_score_utils import get_inception_score, get_predictions

__all__ = ["get_inception_score", "get_predictions", "inception_score_utils"]
