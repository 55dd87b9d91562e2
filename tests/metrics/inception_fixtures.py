"""Builds a stand-in for ``classify_image_graph_def.pb`` with random weights.

The GraphDef has the real graph's node names, op types (``Conv2D``,
``BatchNormWithGlobalNormalization``, ``Concat``, ``AvgPool``/``MaxPool``, ...), attributes,
shapes and an old producer version (8), so TensorFlow runs it like the real file. The
architecture is written here independently of the library's layer table, in graph terms,
and the ``.pth`` (pytorch-fid key layout) is written from the same random arrays with its
own name mapping, so the library's converter is checked against both.
"""
import io
import os
import tarfile

import numpy as np
import torch
from tensorboard.compat.proto import graph_pb2, types_pb2

F32, I32 = types_pb2.DT_FLOAT, types_pb2.DT_INT32


class _Builder:
    def __init__(self, seed, scale_after_normalization=True):
        self.g = graph_pb2.GraphDef()
        self.g.versions.producer = 8  # BatchNormWithGlobalNormalization is refused from version 9 on
        self.rng = np.random.default_rng(seed)
        self.scale_after = scale_after_normalization
        self.arrays = {}  # Const name -> float32 array

    def node(self, name, op, inputs=(), **attrs):
        n = self.g.node.add()
        n.name, n.op = name, op
        n.input.extend(inputs)
        for key, val in attrs.items():
            a = n.attr[key]
            if isinstance(val, bool):
                a.b = val
            elif isinstance(val, float):
                a.f = val
            elif isinstance(val, bytes):
                a.s = val
            elif isinstance(val, list):
                a.list.i.extend(val)
            elif key in ("T", "dtype", "SrcT", "DstT", "Tdim", "Tshape"):
                a.type = val
            else:
                a.i = val
        return name

    def const(self, name, arr):
        arr = np.asarray(arr)
        dt = I32 if arr.dtype.kind == "i" else F32
        n = self.g.node.add()
        n.name, n.op = name, "Const"
        n.attr["dtype"].type = dt
        t = n.attr["value"].tensor
        t.dtype = dt
        for d in arr.shape:
            t.tensor_shape.dim.add().size = d
        t.tensor_content = arr.astype("<i4" if dt == I32 else "<f4").tobytes()
        if dt == F32:
            self.arrays[name] = arr.astype(np.float32)
        return name

    def conv(self, scope, x, cin, cout, kh, kw=None, stride=1, padding=b"SAME"):
        kw = kh if kw is None else kw
        w = self.rng.standard_normal((kh, kw, cin, cout), dtype=np.float32) * np.float32(np.sqrt(2.0 / (kh * kw * cin)))
        p = self.const(scope + "/conv2d_params", w)
        c = self.node(scope + "/Conv2D", "Conv2D", [x, p], T=F32, strides=[1, stride, stride, 1], padding=padding,
                      use_cudnn_on_gpu=True, data_format=b"NHWC")
        r = self.rng
        beta = self.const(scope + "/batchnorm/beta", r.normal(0.0, 0.1, cout))
        gamma = self.const(scope + "/batchnorm/gamma", r.uniform(0.6, 1.4, cout))
        mean = self.const(scope + "/batchnorm/moving_mean", r.normal(0.0, 0.1, cout))
        var = self.const(scope + "/batchnorm/moving_variance", r.uniform(0.6, 1.4, cout))
        bn = self.node(scope + "/batchnorm", "BatchNormWithGlobalNormalization", [c, mean, var, beta, gamma], T=F32,
                       variance_epsilon=0.001, scale_after_normalization=self.scale_after)
        chk = self.node(scope + "/CheckNumerics", "CheckNumerics", [bn], T=F32, message=b"batchnorm")
        ident = self.node(scope + "/control_dependency", "Identity", [bn, "^" + chk], T=F32)
        return self.node(scope, "Relu", [ident], T=F32)

    def pool(self, name, x, op, k, stride, padding):
        return self.node(name, op, [x], T=F32, ksize=[1, k, k, 1], strides=[1, stride, stride, 1], padding=padding,
                         data_format=b"NHWC")

    def concat(self, name, xs):
        dim = self.const(name + "/concat_dim", np.array(3, dtype=np.int32))
        return self.node(name, "Concat", [dim] + list(xs), N=len(xs), T=F32)


def build_graphdef(seed=0, scale_after_normalization=True):
    """Returns ``(GraphDef, {const name: float32 array})`` of the stand-in graph."""
    b = _Builder(seed, scale_after_normalization)
    dc = b.g.node.add()
    dc.name, dc.op = "DecodeJpeg/contents", "Const"
    dc.attr["dtype"].type = types_pb2.DT_STRING
    dc.attr["value"].tensor.dtype = types_pb2.DT_STRING
    dc.attr["value"].tensor.string_val.append(b"")
    b.node("DecodeJpeg", "DecodeJpeg", ["DecodeJpeg/contents"], channels=3, ratio=1, fancy_upscaling=True,
           try_recover_truncated=False, acceptable_fraction=1.0)
    b.node("Cast", "Cast", ["DecodeJpeg"], SrcT=types_pb2.DT_UINT8, DstT=F32)
    b.node("ExpandDims", "ExpandDims", ["Cast", b.const("ExpandDims/dim", np.array(0, np.int32))], T=F32, Tdim=I32)
    b.node("ResizeBilinear", "ResizeBilinear", ["ExpandDims", b.const("ResizeBilinear/size", np.array([299, 299],
                                                                                               np.int32))],
           T=F32, align_corners=False)
    b.node("Sub", "Sub", ["ResizeBilinear", b.const("Sub/y", np.array(128.0, np.float32))], T=F32)
    x = b.node("Mul", "Mul", ["Sub", b.const("Mul/y", np.array(1.0 / 128, np.float32))], T=F32)

    x = b.conv("conv", x, 3, 32, 3, stride=2, padding=b"VALID")
    x = b.conv("conv_1", x, 32, 32, 3, padding=b"VALID")
    x = b.conv("conv_2", x, 32, 64, 3)
    x = b.pool("pool", x, "MaxPool", 3, 2, b"VALID")
    x = b.conv("conv_3", x, 64, 80, 1, padding=b"VALID")
    x = b.conv("conv_4", x, 80, 192, 3, padding=b"VALID")
    x = b.pool("pool_1", x, "MaxPool", 3, 2, b"VALID")
    cin = 192
    for s, pool_ch in (("mixed", 32), ("mixed_1", 64), ("mixed_2", 64)):
        a = b.conv(s + "/conv", x, cin, 64, 1)
        t = b.conv(s + "/tower/conv_1", b.conv(s + "/tower/conv", x, cin, 48, 1), 48, 64, 5)
        t1 = b.conv(s + "/tower_1/conv", x, cin, 64, 1)
        t1 = b.conv(s + "/tower_1/conv_2", b.conv(s + "/tower_1/conv_1", t1, 64, 96, 3), 96, 96, 3)
        t2 = b.conv(s + "/tower_2/conv", b.pool(s + "/tower_2/pool", x, "AvgPool", 3, 1, b"SAME"), cin, pool_ch, 1)
        x, cin = b.concat(s + "/join", [a, t, t1, t2]), 224 + pool_ch
    a = b.conv("mixed_3/conv", x, 288, 384, 3, stride=2, padding=b"VALID")
    t = b.conv("mixed_3/tower/conv_1", b.conv("mixed_3/tower/conv", x, 288, 64, 1), 64, 96, 3)
    t = b.conv("mixed_3/tower/conv_2", t, 96, 96, 3, stride=2, padding=b"VALID")
    x = b.concat("mixed_3/join", [a, t, b.pool("mixed_3/pool", x, "MaxPool", 3, 2, b"VALID")])
    for s, c in (("mixed_4", 128), ("mixed_5", 160), ("mixed_6", 160), ("mixed_7", 192)):
        a = b.conv(s + "/conv", x, 768, 192, 1)
        t = b.conv(s + "/tower/conv", x, 768, c, 1)
        t = b.conv(s + "/tower/conv_2", b.conv(s + "/tower/conv_1", t, c, c, 1, 7), c, 192, 7, 1)
        t1 = b.conv(s + "/tower_1/conv", x, 768, c, 1)
        t1 = b.conv(s + "/tower_1/conv_1", t1, c, c, 7, 1)
        t1 = b.conv(s + "/tower_1/conv_2", t1, c, c, 1, 7)
        t1 = b.conv(s + "/tower_1/conv_3", t1, c, c, 7, 1)
        t1 = b.conv(s + "/tower_1/conv_4", t1, c, 192, 1, 7)
        t2 = b.conv(s + "/tower_2/conv", b.pool(s + "/tower_2/pool", x, "AvgPool", 3, 1, b"SAME"), 768, 192, 1)
        x = b.concat(s + "/join", [a, t, t1, t2])
    t = b.conv("mixed_8/tower/conv", x, 768, 192, 1)
    t = b.conv("mixed_8/tower/conv_1", t, 192, 320, 3, stride=2, padding=b"VALID")
    t1 = b.conv("mixed_8/tower_1/conv", x, 768, 192, 1)
    t1 = b.conv("mixed_8/tower_1/conv_2", b.conv("mixed_8/tower_1/conv_1", t1, 192, 192, 1, 7), 192, 192, 7, 1)
    t1 = b.conv("mixed_8/tower_1/conv_3", t1, 192, 192, 3, stride=2, padding=b"VALID")
    x = b.concat("mixed_8/join", [t, t1, b.pool("mixed_8/pool", x, "MaxPool", 3, 2, b"VALID")])
    cin = 1280
    for s, pool_op in (("mixed_9", "AvgPool"), ("mixed_10", "MaxPool")):
        a = b.conv(s + "/conv", x, cin, 320, 1)
        t = b.conv(s + "/tower/conv", x, cin, 384, 1)
        t = b.concat(s + "/tower/mixed", [b.conv(s + "/tower/mixed/conv", t, 384, 384, 1, 3),
                                          b.conv(s + "/tower/mixed/conv_1", t, 384, 384, 3, 1)])
        t1 = b.conv(s + "/tower_1/conv_1", b.conv(s + "/tower_1/conv", x, cin, 448, 1), 448, 384, 3)
        t1 = b.concat(s + "/tower_1/mixed", [b.conv(s + "/tower_1/mixed/conv", t1, 384, 384, 1, 3),
                                             b.conv(s + "/tower_1/mixed/conv_1", t1, 384, 384, 3, 1)])
        t2 = b.conv(s + "/tower_2/conv", b.pool(s + "/tower_2/pool", x, pool_op, 3, 1, b"SAME"), cin, 192, 1)
        x, cin = b.concat(s + "/join", [a, t, t1, t2]), 2048
    x = b.pool("pool_3", x, "AvgPool", 8, 1, b"VALID")
    r = b.node("pool_3/_reshape", "Reshape", [x, b.const("pool_3/_reshape/shape", np.array([1, 2048], np.int32))],
               T=F32, Tshape=I32)
    w = b.const("softmax/weights", b.rng.standard_normal((2048, 1008), dtype=np.float32) * np.float32(0.05))
    bias = b.const("softmax/biases", b.rng.normal(0.0, 0.1, 1008))
    mm = b.node("softmax/logits/MatMul", "MatMul", [r, w], T=F32, transpose_a=False, transpose_b=False)
    lg = b.node("softmax/logits", "BiasAdd", [mm, bias], T=F32, data_format=b"NHWC")
    b.node("softmax", "Softmax", [lg], T=F32)
    return b.g, b.arrays


def _torch_key(scope):
    """pytorch-fid key prefix of a graph conv scope (written independently of the library)."""
    stem = {"conv": "Conv2d_1a_3x3", "conv_1": "Conv2d_2a_3x3", "conv_2": "Conv2d_2b_3x3",
            "conv_3": "Conv2d_3b_1x1", "conv_4": "Conv2d_4a_3x3"}
    if scope in stem:
        return stem[scope]
    block, rest = scope.split("/", 1)
    idx = 0 if block == "mixed" else int(block.split("_")[1])
    name = ["Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
            "Mixed_7a", "Mixed_7b", "Mixed_7c"][idx]
    if idx <= 2:
        table = {"conv": "branch1x1", "tower/conv": "branch5x5_1", "tower/conv_1": "branch5x5_2",
                 "tower_1/conv": "branch3x3dbl_1", "tower_1/conv_1": "branch3x3dbl_2",
                 "tower_1/conv_2": "branch3x3dbl_3", "tower_2/conv": "branch_pool"}
    elif idx == 3:
        table = {"conv": "branch3x3", "tower/conv": "branch3x3dbl_1", "tower/conv_1": "branch3x3dbl_2",
                 "tower/conv_2": "branch3x3dbl_3"}
    elif idx <= 7:
        table = {"conv": "branch1x1", "tower/conv": "branch7x7_1", "tower/conv_1": "branch7x7_2",
                 "tower/conv_2": "branch7x7_3", "tower_2/conv": "branch_pool"}
        table.update({"tower_1/conv" + ("_%d" % i if i else ""): "branch7x7dbl_%d" % (i + 1) for i in range(5)})
    elif idx == 8:
        table = {"tower/conv": "branch3x3_1", "tower/conv_1": "branch3x3_2"}
        table.update({"tower_1/conv" + ("_%d" % i if i else ""): "branch7x7x3_%d" % (i + 1) for i in range(4)})
    else:
        table = {"conv": "branch1x1", "tower/conv": "branch3x3_1", "tower/mixed/conv": "branch3x3_2a",
                 "tower/mixed/conv_1": "branch3x3_2b", "tower_1/conv": "branch3x3dbl_1",
                 "tower_1/conv_1": "branch3x3dbl_2", "tower_1/mixed/conv": "branch3x3dbl_3a",
                 "tower_1/mixed/conv_1": "branch3x3dbl_3b", "tower_2/conv": "branch_pool"}
    return name + "." + table[rest]


def arrays_to_pth_state_dict(arrays, scale_after_normalization=True):
    """pytorch-fid layout state dict (with ``num_batches_tracked``, as torchvision saves it)."""
    sd = {}
    for name, arr in arrays.items():
        if name.endswith("/conv2d_params"):
            key = _torch_key(name[:-len("/conv2d_params")])
            sd[key + ".conv.weight"] = torch.from_numpy(np.ascontiguousarray(arr.transpose(3, 2, 0, 1)))
        elif "/batchnorm/" in name:
            scope, field = name.split("/batchnorm/")
            key = _torch_key(scope) + ".bn."
            if field == "gamma":
                sd[key + "weight"] = torch.from_numpy(arr if scale_after_normalization else np.ones_like(arr))
                sd[key + "num_batches_tracked"] = torch.tensor(0)
            else:
                sd[key + {"beta": "bias", "moving_mean": "running_mean", "moving_variance": "running_var"}[field]] = \
                    torch.from_numpy(arr)
    sd["fc.weight"] = torch.from_numpy(np.ascontiguousarray(arrays["softmax/weights"].T))
    sd["fc.bias"] = torch.from_numpy(arrays["softmax/biases"])
    return sd


def write_fixture_files(folder, seed=0):
    """Writes ``classify_image_graph_def.pb``, ``inception-2015-12-05.tgz`` and a pytorch-fid
    style ``pt_inception-random.pth`` into ``folder``; returns ``{'pb', 'tgz', 'pth': path}``."""
    os.makedirs(folder, exist_ok=True)
    graph, arrays = build_graphdef(seed)
    data = graph.SerializeToString()
    paths = {"pb": os.path.join(folder, "classify_image_graph_def.pb"),
             "tgz": os.path.join(folder, "inception-2015-12-05.tgz"),
             "pth": os.path.join(folder, "pt_inception-random.pth")}
    with open(paths["pb"], "wb") as f:
        f.write(data)
    with tarfile.open(paths["tgz"], "w:gz", compresslevel=1) as tar:
        for name, payload in (("LICENSE", b"stand-in archive with random weights\n"),
                              ("classify_image_graph_def.pb", data)):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    torch.save(arrays_to_pth_state_dict(arrays), paths["pth"])
    return paths


_FILES = {}


def fixture_files(tmp_path_factory):
    """Paths of the stand-in files, written once per test session."""
    if "paths" not in _FILES:
        _FILES["paths"] = write_fixture_files(str(tmp_path_factory.mktemp("inception_graph")))
    return _FILES["paths"]


def shared_home(tmp_path_factory):
    """A ``MIMICRY_HOME`` shared by the tests of a session (keeps conversions cached)."""
    if "home" not in _FILES:
        _FILES["home"] = str(tmp_path_factory.mktemp("mimicry_home"))
    return _FILES["home"]
