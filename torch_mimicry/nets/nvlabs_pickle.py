"""Reading NVlabs network pickles without running any code from them.

The training code of stylegan2-ada-pytorch, stylegan3 and R3GAN saves its networks as
``network-snapshot-<kimg>.pkl``: a pickled dict ``{'G', 'D', 'G_ema', 'augment_pipe',
'training_set_kwargs', ...}`` whose networks are objects of ``torch_utils.persistence``
classes. Such an object pickles as a call of ``torch_utils.persistence._reconstruct_persistent_obj``
on a *meta* dict ``{'type': 'class', 'version', 'module_src', 'class_name', 'state'}``, where
``module_src`` is the source code of the module that defined the class and ``state`` the
object's ``__dict__`` (for a ``torch.nn.Module``: ``_parameters``, ``_buffers``, ``_modules``,
``training``, ..., and the constructor's ``_init_args`` / ``_init_kwargs``). NVlabs' own loader
*executes* ``module_src`` (``exec``): opening such a file with ``pickle.load`` runs whatever code
it holds.

:func:`load_network_pickle` reads these files with a restricted unpickler instead:

* ``find_class`` resolves only the globals of an explicit safe list (:data:`SAFE_GLOBALS`):
  ``collections.OrderedDict``, a few builtin containers, torch's tensor, parameter and storage
  rebuilders (each storage's bytes are read by ``torch.load(weights_only=True)``), ``torch.Size``,
  ``torch.device`` and the torch dtypes, numpy's numeric scalars and arrays (read from their bytes;
  their dtypes are kept as records, never handed to numpy's own ``__setstate__``), ``dnnlib``'s
  ``EasyDict`` (read as a dict) and persistence's ``_reconstruct_persistent_obj``, which is
  replaced by a function that keeps the meta dict as an inert :class:`PickledObject` (the source
  is kept as text and never executed);
* classes of the NVlabs / R3GAN code bases and of ``torch.nn.modules`` (:data:`PLACEHOLDER_PACKAGES`)
  resolve to inert placeholder classes: an object pickled as "make an instance, then set its
  state" (the ``NEWOBJ`` / ``BUILD`` opcodes, how ``pickle`` saves ordinary instances) becomes a
  :class:`PickledObject` holding that state; calling such a class (the ``REDUCE`` opcode) is
  refused;
* every other global (``os.system``, ``builtins.eval``, ``subprocess.Popen``, ``torch.load``, ...)
  is refused when it is looked up, with an :class:`UnsafePickleError` naming it.

Nothing from the file is imported, called or executed beyond the safe list; a file that needs
more is refused. Example::

    data = load_network_pickle("network-snapshot-025000.pkl")
    G_ema = data["G_ema"]                  # a PickledObject
    G_ema.class_name                       # 'Generator'
    G_ema.init_kwargs["img_resolution"]    # 32
    G_ema.state_dict()["mapping.fc0.weight"].shape   # torch.Size([512, 512]), the official key

:mod:`torch_mimicry.nets.stylegan2` converts such records into its networks.
"""
from __future__ import annotations

import collections
import io
import os
import pickle
import warnings
from typing import IO, Any, Callable, Dict, Iterator, Optional, Tuple, Union

import torch

__all__ = ["NetworkPickleError", "UnsafePickleError", "PickledObject", "load_network_pickle", "loads_network_pickle",
           "SAFE_GLOBALS", "PLACEHOLDER_PACKAGES"]


class NetworkPickleError(ValueError):
    """A file that is not a readable network pickle (truncated, corrupt, or of another kind)."""


class UnsafePickleError(NetworkPickleError, pickle.UnpicklingError):
    """A pickle that would need a global outside the safe list, or a call the reader refuses."""


#: Top-level packages (or dotted prefixes) whose classes become inert placeholders: the code
#: bases that write network pickles (``training``, ``torch_utils``, ``dnnlib``, ``metrics``,
#: R3GAN's ``R3GAN``) and torch's own layer classes.
PLACEHOLDER_PACKAGES: Tuple[str, ...] = ("training", "torch_utils", "dnnlib", "metrics", "R3GAN", "torch.nn.modules")

#: Names that old pickles (protocol 2 written with ``fix_imports``) use for Python 3 modules.
_PYTHON2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}

_NUMERIC_KINDS = "biufc"  # numpy dtype kinds: bool, int, uint, float, complex


class _RefusesCalls(type):
    """Metaclass of the placeholder classes: instances are made only by ``__new__`` (the
    unpickler's ``NEWOBJ``); calling the class (``REDUCE``, ``INST``, ``OBJ``) is refused."""

    _pickle_path: str

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        raise UnsafePickleError(
            f"The pickle calls {cls._pickle_path}(...): a network pickle is read only through its tensors, "
            "containers and the persistence meta data, and this file asks to run a callable of its code base. "
            "It was refused; nothing was executed.")


class PickledObject(metaclass=_RefusesCalls):
    """An inert record of an object whose class the pickle names but which is never imported.

    Attributes:
        class_name (str): the class's name (``'Generator'``, ``'SynthesisLayer'``, ...); for a
            placeholder of a plain class the dotted path (``'R3GAN.Networks.Generator'``).
        module (str or None): the module the pickle names for a plain class; None for a
            ``torch_utils.persistence`` object (whose module exists only as ``module_src``).
        module_src (str or None): the source code a persistent object embeds, as text (never
            executed).
        version (int or None): the persistence format version (6 in stylegan2-ada-pytorch).
        state (dict): the object's pickled ``__dict__`` (for a torch module: ``_parameters``,
            ``_buffers``, ``_modules``, ``training``, ... and ``_init_args`` / ``_init_kwargs``).
        args (tuple): the arguments the pickle gave ``__new__`` (usually empty).
    """

    _pickle_path = "PickledObject"

    class_name: str
    module: Optional[str]
    module_src: Optional[str]
    version: Optional[int]
    state: Dict[str, Any]
    args: Tuple[Any, ...]

    def __new__(cls, *args: Any, **kwargs: Any) -> "PickledObject":
        obj = object.__new__(cls)
        obj._fill(class_name=cls._pickle_path, module=cls.__dict__.get("_pickle_module"), module_src=None,
                  version=None, state={}, args=tuple(args))
        return obj

    def _fill(self, class_name: str, module: Optional[str], module_src: Optional[str], version: Optional[int],
              state: Dict[str, Any], args: Tuple[Any, ...]) -> None:
        self.class_name, self.module, self.module_src, self.version = class_name, module, module_src, version
        self.state, self.args = state, args

    @classmethod
    def _persistent(cls, meta: Dict[str, Any]) -> "PickledObject":
        obj = object.__new__(cls)
        obj._fill(class_name=meta["class_name"], module=None, module_src=meta.get("module_src"),
                  version=meta.get("version"), state=meta.get("state") or {}, args=())
        return obj

    def __setstate__(self, state: Any) -> None:
        """Keeps the state the pickle sets (``BUILD``): a dict, or a ``(dict, slots)`` pair."""
        if isinstance(state, tuple) and len(state) == 2 and isinstance(state[0], (dict, type(None))):
            merged = dict(state[0] or {})
            merged.update(state[1] or {})
            state = merged
        if not isinstance(state, dict):
            raise UnsafePickleError(f"The pickled state of {self.class_name} is a {type(state).__name__}, not a "
                                    "dict of attributes; refused.")
        self.state.update(state)

    def __repr__(self) -> str:
        kind = "persistent " if self.module is None else ""
        return f"<PickledObject {kind}{self.class_name}: {self.num_params()} parameters>"

    # -- what a network record holds --------------------------------------------------------
    @property
    def is_module(self) -> bool:
        """True when the state is that of a ``torch.nn.Module`` (it has ``_parameters``)."""
        return isinstance(self.state.get("_parameters"), dict)

    @property
    def init_args(self) -> Tuple[Any, ...]:
        """The positional constructor arguments persistence recorded (``()`` when none)."""
        return tuple(_plain(self.state.get("_init_args") or ()))

    @property
    def init_kwargs(self) -> Dict[str, Any]:
        """The keyword constructor arguments persistence recorded, as plain dicts (``{}`` when none)."""
        return dict(_plain(self.state.get("_init_kwargs") or {}))

    @property
    def attributes(self) -> Dict[str, Any]:
        """The object's public attributes (state entries not starting with ``_``), e.g. ``training``,
        ``img_resolution``, ``weight_gain``."""
        return {k: _plain(v) for k, v in self.state.items() if not k.startswith("_")}

    def _own(self, slot: str) -> Dict[str, Any]:
        entries = self.state.get(slot)
        return dict(entries) if isinstance(entries, dict) else {}

    def named_children(self) -> Iterator[Tuple[str, "PickledObject"]]:
        """``(name, PickledObject)`` of the direct submodules, in registration order."""
        for name, child in self._own("_modules").items():
            if isinstance(child, PickledObject):
                yield name, child

    def submodule(self, path: str) -> "PickledObject":
        """The submodule at dotted ``path`` (``'synthesis.b4.conv1'``); '' is the object itself.

        Raises:
            KeyError: no submodule there (the message lists the children that exist).
        """
        node = self
        for part in [p for p in path.split(".") if p]:
            children = dict(node.named_children())
            if part not in children:
                raise KeyError(f"{node.class_name} has no submodule {part!r} (children: "
                               f"{', '.join(children) or 'none'}).")
            node = children[part]
        return node

    def named_modules(self, prefix: str = "") -> Iterator[Tuple[str, "PickledObject"]]:
        """``(dotted name, PickledObject)`` of this object and every submodule, depth first."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self) -> Iterator[Tuple[str, torch.Tensor]]:
        """``(dotted name, tensor)`` of every parameter, in ``torch.nn.Module`` order."""
        for prefix, module in self.named_modules():
            for name, value in module._own("_parameters").items():
                if isinstance(value, torch.Tensor):
                    yield (f"{prefix}.{name}" if prefix else name), value

    def named_buffers(self, persistent_only: bool = False) -> Iterator[Tuple[str, torch.Tensor]]:
        """``(dotted name, tensor)`` of every buffer (with ``persistent_only``: those a state dict holds)."""
        for prefix, module in self.named_modules():
            skip = module.state.get("_non_persistent_buffers_set") or set() if persistent_only else set()
            for name, value in module._own("_buffers").items():
                if isinstance(value, torch.Tensor) and name not in skip:
                    yield (f"{prefix}.{name}" if prefix else name), value

    def state_dict(self) -> "collections.OrderedDict[str, torch.Tensor]":
        """The tensors a ``torch.nn.Module.state_dict()`` of the original object would hold, under
        the original key names (``'mapping.fc0.weight'``, ``'synthesis.b4.conv1.noise_const'``):
        for each module, its parameters, then its persistent buffers, then its submodules."""
        out: "collections.OrderedDict[str, torch.Tensor]" = collections.OrderedDict()
        for prefix, module in self.named_modules():
            skip = module.state.get("_non_persistent_buffers_set") or set()
            dot = f"{prefix}." if prefix else ""
            for name, value in module._own("_parameters").items():
                if isinstance(value, torch.Tensor):
                    out[dot + name] = value.detach()
            for name, value in module._own("_buffers").items():
                if isinstance(value, torch.Tensor) and name not in skip:
                    out[dot + name] = value.detach()
        return out

    def num_params(self) -> int:
        """Number of parameter elements (as ``sum(p.numel() for p in module.parameters())``)."""
        return sum(p.numel() for _, p in self.named_parameters())


def _plain(value: Any) -> Any:
    """``value`` with EasyDicts and OrderedDicts turned into dicts, recursively (tensors kept)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, _NumpyArray):
        return value.value
    return value


class _EasyDict(Dict[str, Any]):
    """``dnnlib.EasyDict`` read back as a plain dict subclass (no attribute magic)."""


# -- the safe rebuilders -----------------------------------------------------------------------
def _refuse(what: str) -> UnsafePickleError:
    return UnsafePickleError(f"{what}; refused (nothing was executed).")


def _check_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(f"A tensor's {name} is {type(value).__name__}, not an int")
    return value


def _check_ints(name: str, value: Any) -> Tuple[int, ...]:
    if not isinstance(value, (tuple, list, torch.Size)):
        raise _refuse(f"A tensor's {name} is {type(value).__name__}, not a tuple of ints")
    return tuple(_check_int(name, v) for v in value)


def _check_no_hooks(hooks: Any) -> None:
    if hooks is not None and (not isinstance(hooks, dict) or len(hooks) > 0):
        raise _refuse("A tensor in the pickle carries backward hooks (callables run during backward)")


def _load_storage_bytes(data: Any) -> Any:
    """``torch.storage._load_from_bytes``: a storage saved by ``torch.save``, read with ``weights_only=True``."""
    if not isinstance(data, (bytes, bytearray)):
        raise _refuse(f"A storage is given as {type(data).__name__}, not bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TypedStorage deprecation notes of the legacy format
            storage = torch.load(io.BytesIO(bytes(data)), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise UnsafePickleError(f"A tensor storage in the pickle holds more than tensor data (torch.load with "
                                f"weights_only=True refused it: {str(e).splitlines()[0]}); refused.") from None
    if not isinstance(storage, (torch.UntypedStorage, torch.storage.TypedStorage)):
        raise _refuse(f"A tensor storage in the pickle holds a {type(storage).__name__}, not a storage")
    return storage


def _as_untyped(storage: Any) -> Tuple[torch.UntypedStorage, torch.dtype]:
    if isinstance(storage, torch.storage.TypedStorage):
        return storage._untyped_storage, storage.dtype
    if isinstance(storage, torch.UntypedStorage):
        return storage, torch.uint8
    raise _refuse(f"A tensor is built on a {type(storage).__name__}, not a storage read from the pickle")


def _rebuild_tensor(storage: Any, storage_offset: Any, size: Any, stride: Any) -> torch.Tensor:
    untyped, dtype = _as_untyped(storage)
    offset = _check_int("storage offset", storage_offset)
    shape, strides = _check_ints("size", size), _check_ints("stride", stride)
    if len(shape) != len(strides):
        raise _refuse(f"A tensor has size {shape} but stride {strides}")
    tensor = torch.empty((0,), dtype=dtype, device=untyped.device)
    return tensor.set_(untyped, offset, shape, strides)


def _rebuild_tensor_v2(storage: Any, storage_offset: Any, size: Any, stride: Any, requires_grad: Any,
                       backward_hooks: Any, metadata: Any = None) -> torch.Tensor:
    """``torch._utils._rebuild_tensor_v2`` for plain data: no hooks, no metadata."""
    _check_no_hooks(backward_hooks)
    if metadata:
        raise _refuse("A tensor in the pickle carries Python metadata")
    tensor = _rebuild_tensor(storage, storage_offset, size, stride)
    tensor.requires_grad = bool(requires_grad) and tensor.is_floating_point()
    return tensor


def _rebuild_parameter(data: Any, requires_grad: Any, backward_hooks: Any) -> torch.nn.Parameter:
    """``torch._utils._rebuild_parameter``: a Parameter around a rebuilt tensor."""
    if not isinstance(data, torch.Tensor):
        raise _refuse(f"A parameter wraps a {type(data).__name__}, not a tensor")
    _check_no_hooks(backward_hooks)
    return torch.nn.Parameter(data.detach(), requires_grad=bool(requires_grad))


def _rebuild_parameter_with_state(data: Any, requires_grad: Any, backward_hooks: Any,
                                  state: Any) -> torch.nn.Parameter:
    """``torch._utils._rebuild_parameter_with_state`` for parameters without Python attributes."""
    if state:
        raise _refuse("A parameter in the pickle carries Python attributes")
    return _rebuild_parameter(data, requires_grad, backward_hooks)


def _reconstruct_persistent_obj(meta: Any) -> PickledObject:
    """``torch_utils.persistence._reconstruct_persistent_obj`` without its ``exec``: the meta dict
    becomes a :class:`PickledObject` (the embedded source is kept as text)."""
    if not isinstance(meta, dict):
        raise _refuse(f"A persistent object's meta data is a {type(meta).__name__}, not a dict")
    if meta.get("type") != "class" or not isinstance(meta.get("class_name"), str):
        raise _refuse(f"A persistent object's meta data has type {meta.get('type')!r} and class name "
                      f"{meta.get('class_name')!r}; expected type 'class' and a class name")
    if not isinstance(meta.get("state") or {}, dict) or not isinstance(meta.get("module_src", ""), (str, type(None))):
        raise _refuse(f"The persistent object {meta['class_name']} has a state that is not a dict")
    return PickledObject._persistent(dict(meta, state=dict(meta.get("state") or {})))


def _reconstructor(cls: Any, base: Any, state: Any) -> Any:
    """``copyreg._reconstructor`` (protocol 0 / 1 instances) for placeholder classes only."""
    if isinstance(cls, type) and issubclass(cls, PickledObject) and base is object and state is None:
        return cls.__new__(cls)
    raise _refuse(f"copyreg._reconstructor is asked to build {getattr(cls, '__name__', cls)!r} from "
                  f"{getattr(base, '__name__', base)!r}")


class _NumpyDType:
    """A numpy dtype as the pickle describes it (``numpy.dtype(code, align, copy)`` and its state),
    kept as a record: only numeric codes, no fields or sub-arrays; made into a real dtype when
    the data is read."""

    def __init__(self, code: Any, align: Any = False, copy: Any = True) -> None:
        import numpy as np
        if not isinstance(code, str):
            raise _refuse(f"A numpy dtype is given as {type(code).__name__}, not a type code")
        try:
            dtype = np.dtype(code)
        except TypeError:
            raise _refuse(f"The numpy dtype {code!r} is unknown") from None
        if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise _refuse(f"The numpy dtype {code!r} is not numeric (only bool, int, uint, float and complex data)")
        self.code, self.byteorder = code, "="

    def __setstate__(self, state: Any) -> None:
        """Takes the byte order from the dtype's pickled state; refuses fields and sub-arrays."""
        if not isinstance(state, tuple) or len(state) < 5 or state[1] not in ("<", ">", "|", "="):
            raise _refuse("A numpy dtype's pickled state is not that of a numeric dtype")
        if any(part is not None for part in state[2:5]):
            raise _refuse("A numpy dtype in the pickle has fields or sub-arrays (only plain numeric dtypes)")
        self.byteorder = state[1]

    def numpy(self) -> Any:
        """The ``numpy.dtype``."""
        import numpy as np
        dtype = np.dtype(self.code)
        if self.byteorder == "<":
            return dtype.newbyteorder("<")
        return dtype.newbyteorder(">") if self.byteorder == ">" else dtype


class _NumpyArray:
    """A numpy array as the pickle describes it (``_reconstruct(ndarray, shape, b'b')`` and its
    state ``(version, shape, dtype, is_fortran, raw bytes)``); :func:`_plain` turns it into an
    ``ndarray``."""

    def __init__(self) -> None:
        self.value: Any = None

    def __setstate__(self, state: Any) -> None:
        """Reads the array from its raw bytes (numeric dtypes only)."""
        import numpy as np
        if not isinstance(state, tuple) or len(state) != 5:
            raise _refuse("A numpy array's pickled state is not (version, shape, dtype, is_fortran, data)")
        _, shape, dtype, is_fortran, raw = state
        if not isinstance(dtype, _NumpyDType) or not isinstance(raw, (bytes, bytearray)):
            raise _refuse("A numpy array in the pickle is not numeric data given as bytes")
        shape = _check_ints("shape", shape)
        dt = dtype.numpy()
        count = 1
        for n in shape:
            count *= n
        if count < 0 or len(raw) != count * dt.itemsize:
            raise _refuse(f"A numpy array of shape {shape} and dtype {dt} has {len(raw)} bytes")
        self.value = np.frombuffer(bytes(raw), dtype=dt).reshape(shape, order="F" if is_fortran else "C").copy()


_NDARRAY = object()  # what ``numpy.ndarray`` resolves to: a marker, not the class


def _numpy_scalar(dtype: Any, data: Any = None) -> Any:
    """``numpy.core.multiarray.scalar``: a numeric numpy scalar from its bytes."""
    import numpy as np
    if not isinstance(dtype, _NumpyDType) or not isinstance(data, bytes):
        raise _refuse("A numpy scalar in the pickle is not numeric data")
    dt = dtype.numpy()
    if len(data) != dt.itemsize:
        raise _refuse(f"A numpy scalar of dtype {dt} has {len(data)} bytes, expected {dt.itemsize}")
    return np.frombuffer(data, dtype=dt)[0].copy()


def _numpy_reconstruct(subtype: Any, shape: Any, typecode: Any) -> _NumpyArray:
    """``numpy.core.multiarray._reconstruct`` for plain ``ndarray``s (their data follows in ``BUILD``)."""
    if subtype is not _NDARRAY:
        raise _refuse(f"A numpy array of class {getattr(subtype, '__name__', subtype)!r} (only numpy.ndarray)")
    return _NumpyArray()


def _torch_device(*args: Any) -> torch.device:
    if not all(isinstance(a, (str, int)) and not isinstance(a, bool) for a in args):
        raise _refuse("torch.device is called with arguments that are not a device name and index")
    return torch.device(*args)


def _torch_size(values: Any = ()) -> torch.Size:
    return torch.Size(_check_ints("torch.Size", values))


def _builtin(kind: Callable[..., Any]) -> Callable[..., Any]:
    def make(*args: Any) -> Any:
        if any(isinstance(a, PickledObject) for a in args):
            raise _refuse(f"builtins.{kind.__name__} is called on a placeholder object")
        return kind(*args)
    make.__name__ = kind.__name__
    return make


_TORCH_DTYPES = tuple(name for name in dir(torch) if isinstance(getattr(torch, name, None), torch.dtype))

#: ``(module, name) -> replacement`` of every global the reader resolves (placeholders aside).
SAFE_GLOBALS: Dict[Tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): _builtin(set),
    ("builtins", "frozenset"): _builtin(frozenset),
    ("builtins", "bytearray"): _builtin(bytearray),
    ("builtins", "complex"): _builtin(complex),
    ("builtins", "object"): object,
    ("copyreg", "_reconstructor"): _reconstructor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
    ("torch.storage", "_load_from_bytes"): _load_storage_bytes,
    ("torch", "Size"): _torch_size,
    ("torch", "device"): _torch_device,
    ("numpy", "dtype"): _NumpyDType,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy.core.multiarray", "ndarray"): _NDARRAY,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
    ("dnnlib.util", "EasyDict"): _EasyDict,
    ("dnnlib", "EasyDict"): _EasyDict,
}
SAFE_GLOBALS.update({("torch", name): getattr(torch, name) for name in _TORCH_DTYPES})

_placeholders: Dict[str, type] = {}


def _placeholder(module: str, name: str) -> type:
    """The inert placeholder class standing for ``module.name`` (one per name)."""
    path = f"{module}.{name}"
    if path not in _placeholders:
        _placeholders[path] = _RefusesCalls(name, (PickledObject,), {"_pickle_path": path, "_pickle_module": module})
    return _placeholders[path]


def _is_placeholder_module(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in PLACEHOLDER_PACKAGES)


class _RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` resolves only :data:`SAFE_GLOBALS` and placeholders."""

    def find_class(self, module: str, name: str) -> Any:
        module = _PYTHON2_MODULES.get(module, module)
        if (module, name) in SAFE_GLOBALS:
            return SAFE_GLOBALS[(module, name)]
        if _is_placeholder_module(module) and name.isidentifier():
            return _placeholder(module, name)
        raise UnsafePickleError(
            f"The pickle asks for the global {module}.{name}, which a network pickle does not need (it could run "
            f"code); refused (nothing was executed). Readable globals: tensor and container rebuilders, numpy "
            f"numeric data, persistence meta data, and classes of {', '.join(PLACEHOLDER_PACKAGES)} as inert records.")

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError("The pickle refers to persistent ids (an external object store); a network pickle "
                                "has none; refused (nothing was executed).")


def _describe_top(data: Any) -> str:
    if isinstance(data, tuple) and data and all(isinstance(x, PickledObject) for x in data):
        names = ", ".join(x.class_name for x in data)
        if "tflib" in names:
            return (f"a tuple of TensorFlow networks ({names}): a StyleGAN2 TensorFlow pickle, which holds no torch "
                    "tensors. Convert it to a PyTorch pickle first (stylegan2-ada-pytorch's legacy.py).")
        return f"a tuple of {names}"
    return type(data).__name__


def loads_network_pickle(source: Union[bytes, IO[bytes]], name: str = "the pickle") -> Dict[str, Any]:
    """:func:`load_network_pickle` on bytes or an open binary file (``name`` names it in errors)."""
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        data = _RestrictedUnpickler(stream).load()
    except UnsafePickleError as e:
        raise UnsafePickleError(f"{name}: {e}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            RuntimeError, MemoryError, OverflowError) as e:
        detail = str(e).splitlines()[0] if str(e) else ""
        raise NetworkPickleError(f"{name} cannot be read as a network pickle ({type(e).__name__}: {detail}); it is "
                                 "truncated, corrupt, or not a pickle.") from None
    if not isinstance(data, dict):
        raise NetworkPickleError(f"{name} holds {_describe_top(data)}, not a network snapshot (a dict with 'G', 'D', "
                                 "'G_ema', ...).")
    return {str(k): (v if isinstance(v, (PickledObject, torch.Tensor)) else _plain(v)) for k, v in data.items()}


def load_network_pickle(path: Union[str, "os.PathLike[str]", IO[bytes]]) -> Dict[str, Any]:
    """Reads an NVlabs / R3GAN network pickle (``network-snapshot-*.pkl``) without executing its code.

    Args:
        path (str or binary file): the ``.pkl`` file.

    Returns:
        dict: the snapshot's entries by name (``'G'``, ``'D'``, ``'G_ema'``, ``'augment_pipe'``,
        ``'training_set_kwargs'``, ...): networks as :class:`PickledObject` records (``class_name``,
        ``init_kwargs``, ``state_dict()`` under the original key names), other entries as plain
        data (dicts, lists, numbers, strings, tensors, None).

    Raises:
        FileNotFoundError: no file at ``path``.
        UnsafePickleError: the file needs a global outside the safe list or a call of its own code
            (the message names it); nothing from it ran.
        NetworkPickleError: a truncated or corrupt file, or a pickle that is not a snapshot dict.
    """
    if hasattr(path, "read"):
        return loads_network_pickle(path, name="the pickle")  # type: ignore[arg-type]
    filename = os.fspath(path)
    if not os.path.isfile(filename):
        raise FileNotFoundError(f"No network pickle at {filename!r}.")
    with open(filename, "rb") as f:
        return loads_network_pickle(f, name=repr(filename))
