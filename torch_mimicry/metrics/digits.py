"""A score for the ``digits`` dataset that needs no download: a small digit classifier trained by
the project, shipped with the package, and the statistics of its features.

The network (:class:`DigitClassifier`, 47,658 parameters, a 192 KB file) reads 32x32 images, averages
the 3 channels to grey, and has three 3x3 convolution + ReLU + 2x2 max-pool stages (16, 32, 32
channels), a 64-unit fully connected layer with batch normalisation and ReLU (the **features**,
:data:`DIGIT_FEATURE_DIM`) and a 10-way output (the digit's logits). ``tools/train_digit_classifier.py`` trains it from
seed 0 on the ``train`` split of ``digits`` (1,438 images) and reproduces the shipped file
bit for bit on the CPU (one thread); its accuracy on the held-out ``test`` split (359 images) is
:data:`DIGIT_CLASSIFIER_ACCURACY`. The file's SHA-256, :data:`DIGIT_CLASSIFIER_SHA256`, is checked
on every load.

Images go through the metrics' fixed mapping to 8 bits (``round((x + 1) * 127.5)``, as every
score of the library) before the network, so real and generated images are treated alike.

What the scores measure: :func:`digit_frechet_distance` is the Frechet distance (the FID formula
of ``metrics.fid``) between two sets of digit features, i.e. how far generated digits are from
real ones in what a digit classifier sees; :func:`digit_class_coverage` asks whether every digit
is generated, and how evenly (the entropy of the mean predicted class distribution, the classes
covered); :func:`digit_inception_score` is the Inception Score formula on the digit
probabilities (at most 10). What they do not: they are not comparable with Inception FID / IS
(other network, 64-d features, 10 classes), nor across other classifier weights; they are
meaningful only for 32x32 images of digits.

The functions form a small extractor interface: ``digit_extract(images) -> (features [N, 64],
logits [N, 10])`` and ``digit_weights_hash()``, like ``metrics.features.extract`` and
``weights_hash`` for the Inception network.
"""
from __future__ import annotations

import hashlib
import os
from typing import Any, Dict, Iterable, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from torch_mimicry.metrics._checks import Features, as_float64_2d, check_same_dim
from torch_mimicry.metrics.fid import feature_statistics, fid_from_stats
from torch_mimicry.metrics.iscore import inception_score_from_probs
from torch_mimicry.utils.errors import CorruptFileError

__all__ = ["DIGIT_CLASSIFIER_FILE", "DIGIT_CLASSIFIER_SHA256", "DIGIT_CLASSIFIER_ACCURACY", "DIGIT_FEATURE_DIM",
           "DIGIT_NUM_CLASSES", "DIGIT_CLASSIFIER_TRAINING", "DigitClassifier", "load_digit_classifier",
           "digit_weights_hash", "digit_extract", "digit_features", "digit_probabilities", "digit_frechet_distance",
           "digit_class_coverage", "digit_inception_score", "digit_scores", "digit_protocol"]

#: The shipped weights (a state dict saved by ``torch.save``).
DIGIT_CLASSIFIER_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights", "digit_classifier.pth")

#: SHA-256 of :data:`DIGIT_CLASSIFIER_FILE`, checked on load.
DIGIT_CLASSIFIER_SHA256 = "7642ebea228248676c27b5d94bc72be3b1909314632ed5be208dde0f1587222a"

#: Accuracy of the shipped weights on the held-out ``test`` split of ``digits`` (359 images).
DIGIT_CLASSIFIER_ACCURACY = 357 / 359  # 0.9944

#: Width of the features (the 64-unit layer after batch normalisation and ReLU).
DIGIT_FEATURE_DIM = 64

#: Digits 0-9.
DIGIT_NUM_CLASSES = 10

#: How the shipped weights were made (``tools/train_digit_classifier.py``).
DIGIT_CLASSIFIER_TRAINING: Dict[str, Any] = {
    "script": "tools/train_digit_classifier.py", "seed": 0, "train_split": "digits train (1438 images)",
    "test_split": "digits test (359 images)", "epochs": 20, "batch_size": 64, "optimizer": "Adam(lr=1e-3)",
    "augmentation": "random translation by -2..2 px (borders filled with -1)", "threads": 1,
}

Images = Union[torch.Tensor, Iterable[torch.Tensor]]


class DigitClassifier(nn.Module):
    """The digit classifier: 32x32 images in [-1, 1] -> features ``[N, 64]`` and logits ``[N, 10]``.

    The input's 3 channels are averaged to one grey channel; then three stages of 3x3
    convolution (padding 1) + ReLU + 2x2 max-pooling with 16, 32 and 32 channels (32 -> 4 px),
    a fully connected layer 512 -> 64 + batch normalisation + ReLU (the features) and 64 -> 10
    (the logits). Use it in eval mode (the batch normalisation's running statistics), as
    :func:`load_digit_classifier` returns it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 4 * 4, DIGIT_FEATURE_DIM)
        self.bn1 = nn.BatchNorm1d(DIGIT_FEATURE_DIM)  # keeps every feature unit alive (none is always 0)
        self.fc2 = nn.Linear(DIGIT_FEATURE_DIM, DIGIT_NUM_CLASSES)

    def features_and_logits(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``x`` float ``[N, 3 (or 1), 32, 32]`` in [-1, 1] -> ``(features [N, 64] >= 0, logits [N, 10])``."""
        h = x.mean(dim=1, keepdim=True)
        for conv in (self.conv1, self.conv2, self.conv3):
            h = F.max_pool2d(F.relu(conv(h)), 2)
        features = F.relu(self.bn1(self.fc1(h.flatten(1))))
        return features, self.fc2(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` float ``[N, 3, 32, 32]`` in [-1, 1] -> logits ``[N, 10]``."""
        return self.features_and_logits(x)[1]


def _file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_CACHE: Dict[Tuple[str, Optional[str]], DigitClassifier] = {}


def load_digit_classifier(path: Union[str, "os.PathLike[str]", None] = None,
                          sha256: Optional[str] = DIGIT_CLASSIFIER_SHA256) -> DigitClassifier:
    """The classifier with the weights of ``path`` (default: the shipped file), in eval mode on the CPU.

    Args:
        path: a state dict saved by ``torch.save``; None: :data:`DIGIT_CLASSIFIER_FILE`.
        sha256 (str or None): the SHA-256 the file must have (default: the shipped weights');
            None accepts any file (scores with other weights are not comparable with the
            library's; their hash is in the protocol).

    Raises:
        FileNotFoundError: no file at ``path``.
        CorruptFileError: the file's SHA-256 differs (modified, truncated or other weights), or
            it is not a state dict of :class:`DigitClassifier`.
    """
    path = os.path.abspath(os.fspath(path if path is not None else DIGIT_CLASSIFIER_FILE))
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Digit classifier weights {path!r} not found. The package ships them at "
                                f"{DIGIT_CLASSIFIER_FILE!r}; reinstall torch-mimicry, or make them with "
                                "tools/train_digit_classifier.py.")
    digest = _file_sha256(path)
    if sha256 is not None and digest != sha256:
        raise CorruptFileError(f"Digit classifier weights {path!r} have SHA-256 {digest[:16]}..., not "
                               f"{sha256[:16]}... of the weights the digit score is defined with: the file was "
                               "modified, truncated or replaced, and scores computed with it would not be comparable. "
                               "Reinstall torch-mimicry (or run tools/train_digit_classifier.py, which reproduces "
                               "the file); pass sha256=None to use other weights knowingly.", path)
    key = (path, digest)
    if key not in _CACHE:
        net = DigitClassifier()
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            net.load_state_dict(state)
        except (RuntimeError, ValueError, KeyError, TypeError, EOFError, OSError) as err:
            raise CorruptFileError(f"Digit classifier weights {path!r} are not a state dict of DigitClassifier "
                                   f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}).",
                                   path) from err
        net.eval()
        for p in net.parameters():
            p.requires_grad_(False)
        _CACHE[key] = net
    return _CACHE[key]


def digit_weights_hash(path: Union[str, "os.PathLike[str]", None] = None) -> str:
    """SHA-256 hex of the weights file ``path`` (default: the shipped one, i.e. :data:`DIGIT_CLASSIFIER_SHA256`)."""
    return _file_sha256(os.fspath(path if path is not None else DIGIT_CLASSIFIER_FILE))


def _batches(images: Images) -> Iterable[torch.Tensor]:
    return [images] if isinstance(images, torch.Tensor) else images


def digit_extract(images: Images, batch_size: int = 500, device: Union[str, torch.device, None] = None,
                  weights: Union[str, "os.PathLike[str]", None] = None,
                  sha256: Optional[str] = DIGIT_CLASSIFIER_SHA256) -> Tuple[torch.Tensor, torch.Tensor]:
    """Digit features and logits of images.

    Args:
        images: float ``[N, 3, 32, 32]`` in [-1, 1] or uint8 in [0, 255] (or an iterable of
            such batches); mapped to 8 bits first, as by every score of the library.
        batch_size (int): images per forward pass.
        device: where the network runs (default: the CPU).
        weights, sha256: see :func:`load_digit_classifier`.

    Returns:
        tuple: ``(features [N, 64], logits [N, 10])`` float64 CPU tensors.

    Raises:
        ValueError: images not ``[N, 3, 32, 32]``, not in [-1, 1] (or uint8), NaN.
    """
    from torch_mimicry.metrics.features import to_uint8
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
    net = load_digit_classifier(weights, sha256)
    dev = torch.device(device) if device is not None else torch.device("cpu")
    if dev.type != "cpu":
        net = DigitClassifier().to(dev).eval()
        net.load_state_dict(load_digit_classifier(weights, sha256).state_dict())
    feats, logits = [], []
    for batch in _batches(images):
        if not isinstance(batch, torch.Tensor) or batch.ndim != 4 or tuple(batch.shape[1:]) != (3, 32, 32):
            shape = tuple(batch.shape) if isinstance(batch, torch.Tensor) else type(batch).__name__
            raise ValueError(f"The digit classifier takes images [N, 3, 32, 32] (the resolution of the 'digits' "
                             f"dataset); got {shape}.")
        u8 = to_uint8(batch, what="images for the digit classifier")
        for start in range(0, u8.shape[0], batch_size):
            x = u8[start:start + batch_size].to(dev, torch.float32) / 127.5 - 1.0
            with torch.no_grad():
                f, y = net.features_and_logits(x)
            feats.append(f.to("cpu", torch.float64))
            logits.append(y.to("cpu", torch.float64))
    if not feats:
        return (torch.zeros(0, DIGIT_FEATURE_DIM, dtype=torch.float64),
                torch.zeros(0, DIGIT_NUM_CLASSES, dtype=torch.float64))
    return torch.cat(feats), torch.cat(logits)


def digit_features(images: Images, **kwargs: Any) -> torch.Tensor:
    """Digit features ``[N, 64]`` (float64, >= 0) of images ``[N, 3, 32, 32]`` in [-1, 1];
    ``kwargs`` as for :func:`digit_extract`."""
    return digit_extract(images, **kwargs)[0]


def digit_probabilities(images: Images, **kwargs: Any) -> torch.Tensor:
    """Class probabilities ``[N, 10]`` (float64, rows sum to 1; column ``k``: digit ``k``) of
    images ``[N, 3, 32, 32]`` in [-1, 1]; ``kwargs`` as for :func:`digit_extract`."""
    return torch.softmax(digit_extract(images, **kwargs)[1], dim=1)


def digit_frechet_distance(feat_a: Features, feat_b: Features) -> float:
    """Frechet distance between two sets of digit features ``[N1, 64]`` and ``[N2, 64]`` (N >= 2
    each): the FID formula of :mod:`torch_mimicry.metrics.fid` in these features.

    Returns:
        float: >= 0 (up to rounding); 0 for identical statistics.
    """
    a = as_float64_2d(feat_a, "feat_a")
    b = as_float64_2d(feat_b, "feat_b")
    check_same_dim(a, b, "feat_a", "feat_b")
    mu_a, sigma_a = feature_statistics(a)
    mu_b, sigma_b = feature_statistics(b)
    return fid_from_stats(mu_a, sigma_a, mu_b, sigma_b)


def digit_class_coverage(probs: Features, min_share: float = 0.2) -> Dict[str, Any]:
    """Whether every digit is generated, and how evenly.

    Args:
        probs: class probabilities ``[N, 10]`` (rows sum to 1), e.g. :func:`digit_probabilities`.
        min_share (float): a class counts as covered when at least ``min_share / 10`` of the
            samples are predicted as it (default 0.2: a fifth of its share under uniform classes).

    Returns:
        dict: ``entropy`` (nats, of the mean predicted distribution; ``ln 10 = 2.303`` when
        every digit is equally likely, 0 when one digit is all there is), ``normalized_entropy``
        (``entropy / ln 10``, in [0, 1]), ``coverage`` (fraction of the 10 classes covered),
        ``classes_covered`` (their list), ``class_fractions`` (fraction of the samples whose most
        likely class is each digit, 10 floats).
    """
    p = as_float64_2d(probs, "probs")
    if p.shape[1] != DIGIT_NUM_CLASSES or p.shape[0] < 1:
        raise ValueError(f"probs must be [N >= 1, {DIGIT_NUM_CLASSES}] class probabilities; got {p.shape}.")
    if p.min() < 0 or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("probs must be probabilities (non-negative rows summing to 1): apply softmax to logits "
                         "first, or use digit_probabilities.")
    if not 0.0 <= float(min_share) <= 10.0:
        raise ValueError(f"min_share must lie in [0, 10], got {min_share!r}.")
    mean = p.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = float(-np.sum(np.where(mean > 0, mean * np.log(mean), 0.0)))
    fractions = np.bincount(p.argmax(axis=1), minlength=DIGIT_NUM_CLASSES) / p.shape[0]
    covered = [int(k) for k in np.flatnonzero(fractions >= float(min_share) / DIGIT_NUM_CLASSES - 1e-12)
               if fractions[k] > 0]
    return {"entropy": entropy, "normalized_entropy": entropy / float(np.log(DIGIT_NUM_CLASSES)),
            "coverage": len(covered) / DIGIT_NUM_CLASSES, "classes_covered": covered,
            "class_fractions": [float(f) for f in fractions]}


def digit_inception_score(probs: Features, splits: int = 1) -> Tuple[float, float]:
    """The Inception Score formula (:func:`~torch_mimicry.metrics.inception_score_from_probs`)
    on digit probabilities ``[N, 10]``: ``(mean, std)`` over ``splits``, in [1, 10]."""
    p = as_float64_2d(probs, "probs")
    if p.shape[1] != DIGIT_NUM_CLASSES:
        raise ValueError(f"probs must be [N, {DIGIT_NUM_CLASSES}] class probabilities; got {p.shape}.")
    return inception_score_from_probs(p, splits=splits)


def digit_protocol(weights: Union[str, "os.PathLike[str]", None] = None) -> Dict[str, Any]:
    """What a digit score was computed with: the network, its weights' hash and accuracy, the
    image mapping, and the ``digits`` preprocessing (resize and its settings)."""
    from torch_mimicry.datasets.digits import DIGITS_PREPROCESSING, DIGITS_RESIZE
    return {"extractor": "digit_classifier", "feature_dim": DIGIT_FEATURE_DIM,
            "weights_sha256": digit_weights_hash(weights), "test_accuracy": DIGIT_CLASSIFIER_ACCURACY,
            "training": dict(DIGIT_CLASSIFIER_TRAINING), "images": "round((x + 1) * 127.5) to uint8, then / 127.5 - 1",
            "dataset_preprocessing": DIGITS_PREPROCESSING, "dataset_resize": dict(DIGITS_RESIZE)}


def digit_scores(real_images: Images, fake_images: Images, min_share: float = 0.2,
                 **kwargs: Any) -> Dict[str, Any]:
    """Every digit score of generated images against real ones.

    Args:
        real_images, fake_images: ``[N, 3, 32, 32]`` in [-1, 1] (or iterables of batches), N >= 2.
        min_share (float): see :func:`digit_class_coverage`.
        **kwargs: for :func:`digit_extract` (``batch_size``, ``device``, ``weights``, ``sha256``).

    Returns:
        dict: ``fd`` (:func:`digit_frechet_distance`), ``is_mean`` and ``is_std``
        (:func:`digit_inception_score`, 1 split), the entries of :func:`digit_class_coverage` of
        the fakes, ``num_real``, ``num_fake`` and ``protocol`` (:func:`digit_protocol`).
    """
    real_feat, _ = digit_extract(real_images, **kwargs)
    fake_feat, fake_logits = digit_extract(fake_images, **kwargs)
    probs = torch.softmax(fake_logits, dim=1)
    is_mean, is_std = digit_inception_score(probs)
    out: Dict[str, Any] = {"fd": digit_frechet_distance(real_feat, fake_feat), "is_mean": is_mean, "is_std": is_std}
    out.update(digit_class_coverage(probs, min_share=min_share))
    out.update(num_real=int(real_feat.shape[0]), num_fake=int(fake_feat.shape[0]),
               protocol=digit_protocol(kwargs.get("weights")))
    return out
