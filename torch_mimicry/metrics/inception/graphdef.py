"""Layout of the 2015 Inception graph and conversion of its GraphDef to a PyTorch state dict.

The graph ``classify_image_graph_def.pb`` (inside ``inception-2015-12-05.tgz``) stores every
weight as a ``Const`` node. Each convolution ``<scope>`` owns

* ``<scope>/conv2d_params``: HWIO float32 kernel (no bias),
* ``<scope>/batchnorm/{beta,gamma,moving_mean,moving_variance}``: per-channel vectors,
* ``<scope>/batchnorm``: a ``BatchNormWithGlobalNormalization`` node whose attributes give
  ``variance_epsilon`` and ``scale_after_normalization``,

and the classifier owns ``softmax/weights`` ``[2048, 1008]`` and ``softmax/biases`` ``[1008]``.

The PyTorch side uses the key layout of the widely shared converted file
``pt_inception-2015-12-05-6726825d.pth`` (``Conv2d_1a_3x3.conv.weight``,
``Mixed_5b.branch1x1.bn.running_var``, ..., ``fc.weight``), called the *canonical* layout here.
:data:`CONV_LAYERS` is the single table both the converter and the network are built from.

Only protobuf is needed (the GraphDef messages ship with tensorboard); TensorFlow is not.
"""
from typing import Any, Dict, List, NamedTuple, Tuple, Union

import numpy as np
import torch

__all__ = ["ConvSpec", "CONV_LAYERS", "BN_EPS", "parse_graphdef", "graph_constants", "graphdef_to_state_dict",
           "canonical_keys"]

#: ``variance_epsilon`` of every batch norm in the 2015 graph.
BN_EPS = 1e-3



class ConvSpec(NamedTuple):
    """One convolution + batch norm + ReLU of the graph.

    key: canonical PyTorch prefix (``Mixed_5b.branch1x1``); scope: graph scope (``mixed/conv``);
    kernel: ``(kh, kw)``; stride: int; padding: ``(ph, pw)`` (TF ``SAME`` with stride 1 is
    symmetric ``k // 2``; every stride-2 layer is ``VALID``).
    """

    key: str
    scope: str
    in_ch: int
    out_ch: int
    kernel: Tuple[int, int]
    stride: int
    padding: Tuple[int, int]


def _build_layers() -> Tuple[ConvSpec, ...]:
    L: List[ConvSpec] = []

    def conv(key: str, scope: str, cin: int, cout: int, k: Union[int, Tuple[int, int]], stride: int = 1,
             same: bool = False) -> None:
        kernel = (k, k) if isinstance(k, int) else (k[0], k[1])
        pad = (kernel[0] // 2, kernel[1] // 2) if same else (0, 0)
        L.append(ConvSpec(key, scope, cin, cout, kernel, stride, pad))

    # Stem.
    conv("Conv2d_1a_3x3", "conv", 3, 32, 3, stride=2)
    conv("Conv2d_2a_3x3", "conv_1", 32, 32, 3)
    conv("Conv2d_2b_3x3", "conv_2", 32, 64, 3, same=True)
    conv("Conv2d_3b_1x1", "conv_3", 64, 80, 1)
    conv("Conv2d_4a_3x3", "conv_4", 80, 192, 3)
    # 35x35 blocks (mixed, mixed_1, mixed_2).
    for key, scope, cin, pool_ch in (("Mixed_5b", "mixed", 192, 32), ("Mixed_5c", "mixed_1", 256, 64),
                                     ("Mixed_5d", "mixed_2", 288, 64)):
        conv(key + ".branch1x1", scope + "/conv", cin, 64, 1)
        conv(key + ".branch5x5_1", scope + "/tower/conv", cin, 48, 1)
        conv(key + ".branch5x5_2", scope + "/tower/conv_1", 48, 64, 5, same=True)
        conv(key + ".branch3x3dbl_1", scope + "/tower_1/conv", cin, 64, 1)
        conv(key + ".branch3x3dbl_2", scope + "/tower_1/conv_1", 64, 96, 3, same=True)
        conv(key + ".branch3x3dbl_3", scope + "/tower_1/conv_2", 96, 96, 3, same=True)
        conv(key + ".branch_pool", scope + "/tower_2/conv", cin, pool_ch, 1)
    # Reduction to 17x17 (mixed_3).
    conv("Mixed_6a.branch3x3", "mixed_3/conv", 288, 384, 3, stride=2)
    conv("Mixed_6a.branch3x3dbl_1", "mixed_3/tower/conv", 288, 64, 1)
    conv("Mixed_6a.branch3x3dbl_2", "mixed_3/tower/conv_1", 64, 96, 3, same=True)
    conv("Mixed_6a.branch3x3dbl_3", "mixed_3/tower/conv_2", 96, 96, 3, stride=2)
    # 17x17 blocks (mixed_4 .. mixed_7).
    for key, scope, c7 in (("Mixed_6b", "mixed_4", 128), ("Mixed_6c", "mixed_5", 160),
                           ("Mixed_6d", "mixed_6", 160), ("Mixed_6e", "mixed_7", 192)):
        conv(key + ".branch1x1", scope + "/conv", 768, 192, 1)
        conv(key + ".branch7x7_1", scope + "/tower/conv", 768, c7, 1)
        conv(key + ".branch7x7_2", scope + "/tower/conv_1", c7, c7, (1, 7), same=True)
        conv(key + ".branch7x7_3", scope + "/tower/conv_2", c7, 192, (7, 1), same=True)
        conv(key + ".branch7x7dbl_1", scope + "/tower_1/conv", 768, c7, 1)
        conv(key + ".branch7x7dbl_2", scope + "/tower_1/conv_1", c7, c7, (7, 1), same=True)
        conv(key + ".branch7x7dbl_3", scope + "/tower_1/conv_2", c7, c7, (1, 7), same=True)
        conv(key + ".branch7x7dbl_4", scope + "/tower_1/conv_3", c7, c7, (7, 1), same=True)
        conv(key + ".branch7x7dbl_5", scope + "/tower_1/conv_4", c7, 192, (1, 7), same=True)
        conv(key + ".branch_pool", scope + "/tower_2/conv", 768, 192, 1)
    # Reduction to 8x8 (mixed_8).
    conv("Mixed_7a.branch3x3_1", "mixed_8/tower/conv", 768, 192, 1)
    conv("Mixed_7a.branch3x3_2", "mixed_8/tower/conv_1", 192, 320, 3, stride=2)
    conv("Mixed_7a.branch7x7x3_1", "mixed_8/tower_1/conv", 768, 192, 1)
    conv("Mixed_7a.branch7x7x3_2", "mixed_8/tower_1/conv_1", 192, 192, (1, 7), same=True)
    conv("Mixed_7a.branch7x7x3_3", "mixed_8/tower_1/conv_2", 192, 192, (7, 1), same=True)
    conv("Mixed_7a.branch7x7x3_4", "mixed_8/tower_1/conv_3", 192, 192, 3, stride=2)
    # 8x8 blocks (mixed_9, mixed_10).
    for key, scope, cin in (("Mixed_7b", "mixed_9", 1280), ("Mixed_7c", "mixed_10", 2048)):
        conv(key + ".branch1x1", scope + "/conv", cin, 320, 1)
        conv(key + ".branch3x3_1", scope + "/tower/conv", cin, 384, 1)
        conv(key + ".branch3x3_2a", scope + "/tower/mixed/conv", 384, 384, (1, 3), same=True)
        conv(key + ".branch3x3_2b", scope + "/tower/mixed/conv_1", 384, 384, (3, 1), same=True)
        conv(key + ".branch3x3dbl_1", scope + "/tower_1/conv", cin, 448, 1)
        conv(key + ".branch3x3dbl_2", scope + "/tower_1/conv_1", 448, 384, 3, same=True)
        conv(key + ".branch3x3dbl_3a", scope + "/tower_1/mixed/conv", 384, 384, (1, 3), same=True)
        conv(key + ".branch3x3dbl_3b", scope + "/tower_1/mixed/conv_1", 384, 384, (3, 1), same=True)
        conv(key + ".branch_pool", scope + "/tower_2/conv", cin, 192, 1)
    return tuple(L)


#: The 94 convolutions of the graph, in graph order.
CONV_LAYERS = _build_layers()
NUM_CLASSES = 1008
FEATURE_DIM = 2048


def canonical_keys() -> Dict[str, Tuple[int, ...]]:
    """``{key: shape}`` of the canonical state dict (float32 tensors)."""
    shapes: Dict[str, Tuple[int, ...]] = {}
    for s in CONV_LAYERS:
        shapes[s.key + ".conv.weight"] = (s.out_ch, s.in_ch) + s.kernel
        for name in ("weight", "bias", "running_mean", "running_var"):
            shapes[s.key + ".bn." + name] = (s.out_ch,)
    shapes["fc.weight"] = (NUM_CLASSES, FEATURE_DIM)
    shapes["fc.bias"] = (NUM_CLASSES,)
    return shapes


def parse_graphdef(data: Union[bytes, bytearray, memoryview]) -> Any:
    """Parses serialized GraphDef bytes.

    Raises:
        ValueError: if ``data`` is not a GraphDef.
    """
    from tensorboard.compat.proto.graph_pb2 import GraphDef
    from google.protobuf.message import DecodeError

    graph = GraphDef()
    try:
        graph.ParseFromString(data)
    except DecodeError as err:
        raise ValueError("not a TensorFlow GraphDef: %s" % err) from err
    if not graph.node:
        raise ValueError("not a TensorFlow GraphDef (no nodes)")
    return graph


_NP_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64}  # TF DataType enum values


def _tensor_to_numpy(tensor: Any) -> np.ndarray:
    """numpy array of a TensorProto (``tensor_content`` bytes or the typed ``*_val`` lists)."""
    if tensor.dtype not in _NP_DTYPES:
        raise ValueError("unsupported tensor dtype %d" % tensor.dtype)
    dtype = np.dtype(_NP_DTYPES[tensor.dtype]).newbyteorder("<")
    shape = tuple(int(d.size) for d in tensor.tensor_shape.dim)
    count = int(np.prod(shape)) if shape else 1
    if tensor.tensor_content:
        arr = np.frombuffer(tensor.tensor_content, dtype=dtype)
    else:
        vals = {1: tensor.float_val, 2: tensor.double_val, 3: tensor.int_val, 9: tensor.int64_val}[tensor.dtype]
        arr = np.asarray(vals, dtype=dtype)
        if arr.size == 1 and count > 1:  # a single value fills the tensor
            arr = np.full(count, arr[0], dtype=dtype)
    if arr.size != count:
        raise ValueError("tensor holds %d values, shape %s needs %d" % (arr.size, shape, count))
    return arr.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def graph_constants(graph: Any) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """``({name: ndarray} of the Const nodes, {name: NodeDef} of all nodes)``."""
    consts, nodes = {}, {}
    for node in graph.node:
        nodes[node.name] = node
        if node.op == "Const" and node.attr["value"].tensor.dtype in _NP_DTYPES:
            consts[node.name] = node.attr["value"].tensor
    return consts, nodes


def graphdef_to_state_dict(data: Any) -> Dict[str, torch.Tensor]:
    """Converts the 2015 Inception GraphDef to the canonical PyTorch state dict.

    Args:
        data (bytes or GraphDef): serialized ``classify_image_graph_def.pb`` or a parsed graph.

    Returns:
        dict: ``{key: float32 CPU tensor}`` with the keys/shapes of :func:`canonical_keys`.
        When a batch norm has ``scale_after_normalization=False`` its ``gamma`` is unused by
        the graph and ``bn.weight`` is set to ones (exactly what the graph computes).

    Raises:
        ValueError: if a node is missing, has an unexpected shape or epsilon.
    """
    graph = parse_graphdef(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
    consts, nodes = graph_constants(graph)

    def get(name: str, shape: Tuple[int, ...]) -> np.ndarray:
        if name not in consts:
            raise ValueError("GraphDef lacks the Const node %r: not the 2015 Inception graph" % name)
        arr = _tensor_to_numpy(consts[name]).astype(np.float32)
        if arr.shape != tuple(shape):
            raise ValueError("node %r has shape %s, expected %s" % (name, arr.shape, tuple(shape)))
        return arr

    bn_of_input: Dict[str, Any] = {}  # input name -> BatchNormWithGlobalNormalization node reading it
    for node in nodes.values():
        if node.op == "BatchNormWithGlobalNormalization":
            for name in node.input:
                bn_of_input[name.lstrip("^").split(":")[0]] = node

    sd: Dict[str, torch.Tensor] = {}
    for s in CONV_LAYERS:
        kernel = get(s.scope + "/conv2d_params", s.kernel + (s.in_ch, s.out_ch))  # HWIO
        sd[s.key + ".conv.weight"] = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
        bn_name = s.scope + "/batchnorm"
        bn = bn_of_input.get(bn_name + "/moving_mean")
        if bn is None:
            raise ValueError("GraphDef has no BatchNormWithGlobalNormalization node reading %r"
                             % (bn_name + "/moving_mean"))
        eps = bn.attr["variance_epsilon"].f
        if abs(eps - BN_EPS) > 1e-9:
            raise ValueError("node %r has variance_epsilon %g, expected %g" % (bn_name, eps, BN_EPS))
        c = (s.out_ch,)
        gamma = get(bn_name + "/gamma", c)
        if not bn.attr["scale_after_normalization"].b:
            gamma = np.ones_like(gamma)
        sd[s.key + ".bn.weight"] = torch.from_numpy(gamma)
        sd[s.key + ".bn.bias"] = torch.from_numpy(get(bn_name + "/beta", c))
        sd[s.key + ".bn.running_mean"] = torch.from_numpy(get(bn_name + "/moving_mean", c))
        sd[s.key + ".bn.running_var"] = torch.from_numpy(get(bn_name + "/moving_variance", c))
    sd["fc.weight"] = torch.from_numpy(np.ascontiguousarray(get("softmax/weights", (FEATURE_DIM, NUM_CLASSES)).T))
    sd["fc.bias"] = torch.from_numpy(get("softmax/biases", (NUM_CLASSES,)))
    return sd
