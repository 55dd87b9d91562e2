"""PyTorch re-implementation of the 2015 TensorFlow Inception graph (FID / IS network).

Differences from torchvision's Inception3 that the 2015 graph requires, all reproduced here:

* input resize with TensorFlow 1 ``ResizeBilinear`` (``align_corners=False``, no half-pixel
  offset: source coordinate ``= dst * in / out``), then ``(x - 128) / 128``;
* average pools inside the blocks exclude the padding (``count_include_pad=False``);
* the pool branch of the last block (``mixed_10``) is a 3x3 *max* pool;
* outputs ``pool_3`` (mean over the final 8x8 map) and unbiased logits ``pool_3 @ W``.

Batch norms are folded into the convolutions at construction (computed in float64).
Where several 1x1 convolutions read the same tensor they run as one convolution.
"""
import functools
from typing import List, Mapping, Tuple, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from torch_mimicry.metrics.inception.graphdef import BN_EPS, CONV_LAYERS, FEATURE_DIM, NUM_CLASSES, ConvSpec

__all__ = ["tf1_resize_matrix", "tf1_resize_bilinear", "InceptionV3TF", "INPUT_SIZE"]

INPUT_SIZE = 299


def tf1_resize_matrix(in_size: int, out_size: int) -> torch.Tensor:
    """Interpolation matrix of TF1 ``ResizeBilinear(align_corners=False)`` along one axis.

    Source coordinate of output ``i`` is ``src = float32(i) * float32(in / out)`` (float32 as
    in TensorFlow); output = ``(1 - f) * x[floor(src)] + f * x[min(floor(src) + 1, in - 1)]``
    with ``f = src - floor(src)``.

    Returns:
        Tensor: float64 ``[out_size, in_size]``; each row sums to 1.
    """
    scale = np.float32(in_size) / np.float32(out_size)
    src = np.arange(out_size, dtype=np.float32) * scale
    lo_f = np.floor(src)
    frac = (src - lo_f).astype(np.float64)
    lo = np.clip(lo_f.astype(np.int64), 0, in_size - 1)
    hi = np.minimum(lo + 1, in_size - 1)
    m = np.zeros((out_size, in_size), dtype=np.float64)
    rows = np.arange(out_size)
    np.add.at(m, (rows, lo), 1.0 - frac)
    np.add.at(m, (rows, hi), frac)
    return torch.from_numpy(m)


@functools.lru_cache(maxsize=32)
def _resize_matrix(in_size: int, out_size: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    with torch.inference_mode(False):  # a normal tensor, usable with autograd later
        return tf1_resize_matrix(in_size, out_size).to(device, dtype)


def tf1_resize_bilinear(x: torch.Tensor, size: Tuple[int, int] = (INPUT_SIZE, INPUT_SIZE)) -> torch.Tensor:
    """TF1 bilinear resize of ``x`` ``[N, C, H, W]`` (float) to ``size``, as two matmuls."""
    out_h, out_w = size
    h, w = x.shape[-2:]
    if h != out_h:
        x = torch.matmul(_resize_matrix(h, out_h, x.device, x.dtype), x)
    if w != out_w:
        x = torch.matmul(x, _resize_matrix(w, out_w, x.device, x.dtype).t())
    return x


class _Conv(nn.Module):
    """Convolution with folded batch norm, followed by ReLU (or not, for the pre-pool head)."""

    weight: torch.Tensor  # buffers
    bias: torch.Tensor

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, stride: int = 1, padding: Tuple[int, int] = (0, 0),
                 relu: bool = True) -> None:
        super().__init__()
        self.register_buffer("weight", weight)
        self.register_buffer("bias", bias)
        self.stride, self.padding, self.relu = stride, padding, relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.weight, self.bias, self.stride, self.padding)
        return F.relu_(y) if self.relu else y


def _fold(state_dict: Mapping[str, torch.Tensor], spec: ConvSpec) -> Tuple[torch.Tensor, torch.Tensor]:
    """Folded ``(weight, bias)`` float64 of one conv + BatchNormWithGlobalNormalization."""
    p = spec.key
    w = state_dict[p + ".conv.weight"].double()
    gamma = state_dict[p + ".bn.weight"].double()
    beta = state_dict[p + ".bn.bias"].double()
    mean = state_dict[p + ".bn.running_mean"].double()
    var = state_dict[p + ".bn.running_var"].double()
    scale = gamma / torch.sqrt(var + BN_EPS)
    return w * scale[:, None, None, None], beta - mean * scale


class _Block(nn.Module):
    """One Inception block: its convolutions (which of them exist depends on ``kind``, 'A' to 'E'),
    ``split``, the channel counts of the fused head convolution, and the pool of kind 'E'."""

    kind: str
    split: List[int]
    pool_kind: str
    head: nn.Module
    b3: nn.Module
    b5: nn.Module
    b7: nn.Module
    b3a: nn.Module
    b3b: nn.Module
    dbl: nn.Module
    dbla: nn.Module
    dblb: nn.Module
    pool: nn.Module


class InceptionV3TF(nn.Module):
    """The 2015 Inception graph with folded batch norms.

    Args:
        state_dict (dict): canonical weights (see :func:`graphdef.canonical_keys`).
        dtype (torch.dtype): ``torch.float32`` (default) or ``torch.float64``.

    Input: uint8 (or float holding 0..255) ``[N, 3, H, W]``, any ``H, W``.
    Output: ``(pool3 [N, 2048], logits [N, 1008])`` in ``dtype``; logits have no bias.
    """

    fc_t: torch.Tensor  # buffer [2048, 1008]

    def __init__(self, state_dict: Mapping[str, torch.Tensor], dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.dtype = dtype
        specs = {s.key: s for s in CONV_LAYERS}
        folded = {k: _fold(state_dict, s) for k, s in specs.items()}

        def conv(*keys: str, relu: bool = True) -> _Conv:
            """One conv module computing the listed layers (same input, stride and padding)."""
            ws, bs = zip(*(folded[k] for k in keys))
            s = specs[keys[0]]
            return _Conv(torch.cat(ws).to(dtype), torch.cat(bs).to(dtype), s.stride, s.padding, relu)

        self.stem = nn.ModuleList([conv("Conv2d_1a_3x3"), conv("Conv2d_2a_3x3"), conv("Conv2d_2b_3x3"),
                                   conv("Conv2d_3b_1x1"), conv("Conv2d_4a_3x3")])
        blocks: List[nn.Module] = []
        for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d"):
            b = _Block()
            b.head = conv(name + ".branch1x1", name + ".branch5x5_1", name + ".branch3x3dbl_1")
            b.split = [64, 48, 64]
            b.b5 = conv(name + ".branch5x5_2")
            b.b3 = nn.Sequential(conv(name + ".branch3x3dbl_2"), conv(name + ".branch3x3dbl_3"))
            b.pool = conv(name + ".branch_pool")
            b.kind = "A"
            blocks.append(b)
        b = _Block()
        b.b3 = conv("Mixed_6a.branch3x3")
        b.dbl = nn.Sequential(conv("Mixed_6a.branch3x3dbl_1"), conv("Mixed_6a.branch3x3dbl_2"),
                              conv("Mixed_6a.branch3x3dbl_3"))
        b.kind = "B"
        blocks.append(b)
        for name in ("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
            b = _Block()
            c7 = specs[name + ".branch7x7_1"].out_ch
            b.head = conv(name + ".branch1x1", name + ".branch7x7_1", name + ".branch7x7dbl_1")
            b.split = [192, c7, c7]
            b.b7 = nn.Sequential(conv(name + ".branch7x7_2"), conv(name + ".branch7x7_3"))
            b.dbl = nn.Sequential(*[conv(name + ".branch7x7dbl_%d" % i) for i in range(2, 6)])
            b.pool = conv(name + ".branch_pool")
            b.kind = "C"
            blocks.append(b)
        b = _Block()
        b.head = conv("Mixed_7a.branch3x3_1", "Mixed_7a.branch7x7x3_1")
        b.split = [192, 192]
        b.b3 = conv("Mixed_7a.branch3x3_2")
        b.b7 = nn.Sequential(*[conv("Mixed_7a.branch7x7x3_%d" % i) for i in range(2, 5)])
        b.kind = "D"
        blocks.append(b)
        for name, pool in (("Mixed_7b", "avg"), ("Mixed_7c", "max")):
            b = _Block()
            b.head = conv(name + ".branch1x1", name + ".branch3x3_1", name + ".branch3x3dbl_1")
            b.split = [320, 384, 448]
            b.b3a, b.b3b = conv(name + ".branch3x3_2a"), conv(name + ".branch3x3_2b")
            b.dbl = conv(name + ".branch3x3dbl_2")
            b.dbla, b.dblb = conv(name + ".branch3x3dbl_3a"), conv(name + ".branch3x3dbl_3b")
            b.pool = conv(name + ".branch_pool")
            b.pool_kind = pool
            b.kind = "E"
            blocks.append(b)
        self.blocks = nn.ModuleList(blocks)
        fc = state_dict["fc.weight"]
        if tuple(fc.shape) != (NUM_CLASSES, FEATURE_DIM):
            raise ValueError("fc.weight has shape %s, expected %s" % (tuple(fc.shape), (NUM_CLASSES, FEATURE_DIM)))
        self.register_buffer("fc_t", fc.to(dtype).t().contiguous())  # [2048, 1008]
        self.to(memory_format=torch.channels_last)

    @staticmethod
    def _avg(x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)

    def _block(self, b: _Block, x: torch.Tensor) -> torch.Tensor:
        if b.kind == "A":
            b1, b5, b3 = b.head(x).split(b.split, 1)
            outs = [b1, b.b5(b5), b.b3(b3), b.pool(self._avg(x))]
        elif b.kind == "B":
            outs = [b.b3(x), b.dbl(x), F.max_pool2d(x, 3, 2)]
        elif b.kind == "C":
            b1, b7, dbl = b.head(x).split(b.split, 1)
            outs = [b1, b.b7(b7), b.dbl(dbl), b.pool(self._avg(x))]
        elif b.kind == "D":
            b3, b7 = b.head(x).split(b.split, 1)
            outs = [b.b3(b3), b.b7(b7), F.max_pool2d(x, 3, 2)]
        else:
            b1, b3, dbl = b.head(x).split(b.split, 1)
            dbl = b.dbl(dbl)
            pooled = self._avg(x) if b.pool_kind == "avg" else F.max_pool2d(x, 3, 1, 1)
            outs = [b1, b.b3a(b3), b.b3b(b3), b.dbla(dbl), b.dblb(dbl), b.pool(pooled)]
        return torch.cat(outs, 1)

    def forward(self, images: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``images``: ``[N, 3, H, W]`` uint8 (or float 0..255) -> ``(pool3, logits)`` in ``dtype``."""
        x = tf1_resize_bilinear(images.to(self.dtype))
        x = ((x - 128.0) * (1.0 / 128.0)).contiguous(memory_format=torch.channels_last)
        s = self.stem
        x = s[2](s[1](s[0](x)))
        x = F.max_pool2d(x, 3, 2)
        x = s[4](s[3](x))
        x = F.max_pool2d(x, 3, 2)
        for b in self.blocks:
            x = self._block(cast(_Block, b), x)
        pool3 = x.mean(dim=(2, 3))  # AvgPool 8x8 VALID on the 8x8 map
        return pool3, pool3 @ self.fc_t
