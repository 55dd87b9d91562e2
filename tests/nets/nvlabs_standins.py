"""Stand-ins for the network pickles of NVlabs' code bases (stylegan2-ada-pytorch, stylegan3,
R3GAN), written in their real on-disk format with tiny tensors.

A network there is an object of a ``torch_utils.persistence`` class. Such an object pickles as
``torch_utils.persistence._reconstruct_persistent_obj(meta)`` with ``meta = {'type': 'class',
'version': 6, 'module_src': <source of the defining module>, 'class_name': 'Generator', 'state':
<the module's __dict__>}``; its constructor's ``_init_args`` / ``_init_kwargs`` are in the state,
``dnnlib.EasyDict`` values among them. :class:`Persistent` reproduces that ``__reduce__`` on real
``torch.nn.Module`` objects (so their parameters pickle exactly as torch pickles them), and
:func:`nvlabs_names` makes the two global names the pickle refers to resolvable while writing.

The embedded ``module_src`` writes a marker file when executed: a test asserting the marker is
absent after loading shows that nothing from the file ran.
"""
import contextlib
import pickle
import sys
import types

import numpy as np
import torch

#: What the stand-in source code does if anything ever executes it.
MARKER_NAME = "module_src_was_executed"


def module_src(marker_dir):
    """Source of a stand-in ``training/networks.py`` that creates ``marker_dir/MARKER_NAME`` if executed."""
    return ("# stand-in for training/networks.py: executing this file is what a safe reader must never do\n"
            "import pathlib\n"
            f"pathlib.Path({str(marker_dir)!r}, {MARKER_NAME!r}).write_text('executed')\n"
            "class Generator: pass\n")


def _reconstruct_persistent_obj(meta):  # only its name is written into the pickles
    raise RuntimeError("stand-in of torch_utils.persistence._reconstruct_persistent_obj: never called")


class EasyDict(dict):
    """Stand-in of ``dnnlib.util.EasyDict`` (pickled under that name)."""


EasyDict.__module__ = "dnnlib.util"


@contextlib.contextmanager
def nvlabs_names():
    """Registers ``torch_utils.persistence._reconstruct_persistent_obj`` and ``dnnlib.util.EasyDict``
    in ``sys.modules`` while pickling (pickle writes a global only when its name resolves to it)."""
    persistence = types.ModuleType("torch_utils.persistence")
    persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj
    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    util = types.ModuleType("dnnlib.util")
    util.EasyDict = EasyDict
    fake = {"torch_utils": types.ModuleType("torch_utils"), "torch_utils.persistence": persistence,
            "dnnlib": types.ModuleType("dnnlib"), "dnnlib.util": util}
    saved = {name: sys.modules.get(name) for name in fake}
    sys.modules.update(fake)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


class Persistent(torch.nn.Module):
    """A torch module that pickles as ``torch_utils.persistence`` pickles a persistent class
    (see :func:`persistent_class`)."""

    _orig_class_name = "Module"
    _orig_module_src = ""

    def __init__(self, *init_args, **init_kwargs):
        super().__init__()
        self._init_args = init_args
        self._init_kwargs = init_kwargs

    def __reduce__(self):
        fields = list(super().__reduce__())
        fields += [None] * max(3 - len(fields), 0)
        meta = dict(type="class", version=6, module_src=self._orig_module_src, class_name=self._orig_class_name,
                    state=fields[2])
        fields[0] = _reconstruct_persistent_obj
        fields[1] = (meta,)
        fields[2] = None
        return tuple(fields)


def persistent_class(class_name, src):
    """A :class:`Persistent` subclass standing for the persistent class ``class_name`` of a module whose source is ``src``."""
    return type(class_name, (Persistent,), {"_orig_class_name": class_name, "_orig_module_src": src})


def module(class_name, src, params=None, buffers=None, children=None, attrs=None, init_kwargs=None,
           non_persistent=()):
    """A persistent stand-in module with the given parameters, buffers, submodules and attributes."""
    m = persistent_class(class_name, src)(**(init_kwargs or {}))
    for name, value in (params or {}).items():
        m.register_parameter(name, None if value is None else torch.nn.Parameter(value))
    for name, value in (buffers or {}).items():
        m.register_buffer(name, value, persistent=name not in non_persistent)
    for name, child in (children or {}).items():
        m.add_module(name, child)
    for name, value in (attrs or {}).items():
        setattr(m, name, value)
    return m


def write_snapshot(path, entries, protocol=4):
    """Pickles ``entries`` (a snapshot dict: 'G', 'D', 'G_ema', ...) to ``path`` as NVlabs' training loop does."""
    with nvlabs_names(), open(path, "wb") as f:
        pickle.dump(entries, f, protocol=protocol)
    return path


def tiny_network(src, seed=0):
    """A small persistent tree: ``Generator`` with a ``mapping`` (``fc0``: weight, bias; the
    ``w_avg`` buffer) and a parameter-free ``MinibatchStdLayer``; numpy scalars among the attributes,
    EasyDicts among the init kwargs, a non-persistent buffer."""
    g = torch.Generator().manual_seed(seed)
    fc0 = module("FullyConnectedLayer", src, params={"weight": torch.randn(4, 3, generator=g),
                                                     "bias": torch.randn(4, generator=g)},
                 attrs={"activation": "lrelu", "weight_gain": np.float64(0.01) / np.sqrt(3), "bias_gain": 0.01},
                 init_kwargs={"in_features": 3, "out_features": 4, "activation": "lrelu", "lr_multiplier": 0.01})
    mapping = module("MappingNetwork", src, children={"fc0": fc0}, buffers={"w_avg": torch.randn(4, generator=g)},
                     attrs={"z_dim": 3, "w_avg_beta": 0.995})
    mbstd = module("MinibatchStdLayer", src, attrs={"group_size": 4, "num_channels": 1},
                   init_kwargs={"group_size": 4})
    return module("Generator", src, children={"mapping": mapping, "mbstd": mbstd},
                  params={"const": torch.randn(2, 2, 2, generator=g)},
                  buffers={"scratch": torch.zeros(2)}, non_persistent=("scratch",),
                  attrs={"z_dim": 3, "img_resolution": 4, "filter": np.arange(4, dtype=np.float32)},
                  init_kwargs={"z_dim": 3, "c_dim": 0, "w_dim": 4, "img_resolution": 4, "img_channels": 3,
                               "mapping_kwargs": EasyDict(num_layers=1),
                               "synthesis_kwargs": EasyDict(channel_base=8, channel_max=2)})
