"""Finding, downloading, converting, caching and hashing the 2015 Inception weights.

Sources, in order: the ``weights`` argument, the ``MIMICRY_INCEPTION_WEIGHTS`` environment
variable, the cache ``$MIMICRY_HOME/inception`` (default ``~/.cache/torch_mimicry``), and last
a download of ``inception-2015-12-05.tgz``. A path may point at the ``.tgz``, at the graph
``classify_image_graph_def.pb`` or at a converted PyTorch file such as
``pt_inception-2015-12-05-6726825d.pth``; the format is detected from the content.

GraphDefs are converted once; the converted state dict is cached next to a JSON record of
its hash and of the source file's hash, and verified against that record on every load
(no official checksum of the 2015 archive is published, so the record made at conversion
time is the reference). A ``.pth`` whose name ends in ``-<8 hex>.pth`` is checked against
that SHA-256 prefix, the convention of ``torch.hub``.

The weights hash (:func:`weights_hash`) is the SHA-256 of the canonical state dict contents
(sorted keys, shapes, float32 bytes), so the same weights give the same hash whichever of
the three formats they were read from.
"""
import gzip
import hashlib
import json
import os
import re
import tarfile
import time
import urllib.request
import zlib
from collections.abc import Mapping
from typing import Any, Dict, Optional, Tuple, Union

import torch

from torch_mimicry.metrics.inception.graphdef import canonical_keys, graphdef_to_state_dict
from torch_mimicry.utils.errors import CorruptFileError
from torch_mimicry.utils.io import atomic_json_dump, atomic_torch_save, atomic_write

__all__ = ["INCEPTION_URL", "TGZ_NAME", "PB_NAME", "mimicry_home", "cache_dir", "load_inception_weights",
           "weights_hash", "state_dict_hash", "detect_format", "graphdef_path", "WeightsNotFoundError"]

INCEPTION_URL = "http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz"
TGZ_NAME = "inception-2015-12-05.tgz"
PB_NAME = "classify_image_graph_def.pb"
CONVERTED_NAME = "inception-2015-12-05.pt"
ENV_HOME = "MIMICRY_HOME"
ENV_WEIGHTS = "MIMICRY_INCEPTION_WEIGHTS"
ENV_URL = "MIMICRY_INCEPTION_URL"
ENV_OFFLINE = "MIMICRY_OFFLINE"
#: Seconds to wait for the server to connect or send the next bytes.
DOWNLOAD_TIMEOUT = 15.0
#: Upper bound in seconds on a whole download (the archive is about 89 MB).
DOWNLOAD_DEADLINE = 900.0

#: Inception weights: a ``.tgz`` / ``.pb`` / ``.pth`` file, a canonical state dict, or None (the default ones).
WeightsSource = Union[None, str, "os.PathLike[str]", "Mapping[str, torch.Tensor]"]
#: A canonical state dict and its hash (:func:`state_dict_hash`).
_Loaded = Tuple[Dict[str, torch.Tensor], str]

_MEMO: Dict[Tuple[str, int, int], _Loaded] = {}  # (realpath, size, mtime_ns) -> (state_dict, sha256)


class WeightsNotFoundError(FileNotFoundError):
    """No Inception weights could be found or downloaded."""


def mimicry_home() -> str:
    """Root cache folder: ``$MIMICRY_HOME`` or ``~/.cache/torch_mimicry``."""
    return os.path.expanduser(os.environ.get(ENV_HOME) or os.path.join("~", ".cache", "torch_mimicry"))


def cache_dir() -> str:
    """Folder holding the Inception archive and converted weights."""
    return os.path.join(mimicry_home(), "inception")


def _how_to_provide(reason: str) -> str:
    return (
        "Inception weights (inception-2015-12-05) not available: %s.\n"
        "Provide them in one of these ways:\n"
        "  1. pass weights='/path/to/FILE' where FILE is inception-2015-12-05.tgz, "
        "classify_image_graph_def.pb (from that archive) or the converted "
        "pt_inception-2015-12-05-6726825d.pth;\n"
        "  2. set the environment variable %s=/path/to/FILE;\n"
        "  3. copy inception-2015-12-05.tgz into %s (the cache; set %s to move it);\n"
        "  4. allow the automatic download of %s (needs internet access; unset %s)."
        % (reason, ENV_WEIGHTS, cache_dir(), ENV_HOME, os.environ.get(ENV_URL) or INCEPTION_URL, ENV_OFFLINE))


def _file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def state_dict_hash(state_dict: "Mapping[str, torch.Tensor]") -> str:
    """SHA-256 hex of a canonical state dict: sorted keys, shapes and float32 little-endian bytes."""
    h = hashlib.sha256()
    for key in sorted(canonical_keys()):
        t = state_dict[key].detach().to("cpu", torch.float32).contiguous()
        h.update(("%s:%s;" % (key, tuple(t.shape))).encode())
        h.update(t.numpy().astype("<f4", copy=False).tobytes())
    return h.hexdigest()


def detect_format(path: str) -> str:
    """``'tgz'``, ``'pth'`` or ``'pb'`` from the first bytes of the file (never its name)."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:2] == b"\x1f\x8b":
        return "tgz"
    if head[:4] == b"PK\x03\x04" or head[:1] == b"\x80":  # torch zip archive / legacy pickle
        return "pth"
    if head[:1] == b"\n":  # field 1 (GraphDef.node), length-delimited
        return "pb"
    raise CorruptFileError("Inception weights %r are neither a .tgz archive, a GraphDef .pb nor a PyTorch .pth file "
                           "(first bytes %r)%s. %s." % (path, head, " (the file is empty)" if not head else "",
                                                       _REPLACE_FIX), path)


#: The fix for a bad weights file, quoted in messages.
_REPLACE_FIX = ("Delete it and provide the file again: inception-2015-12-05.tgz, the classify_image_graph_def.pb it "
                "holds, or pt_inception-2015-12-05-6726825d.pth")

#: What reading a truncated or corrupt archive, graph or torch file raises.
_READ_ERRORS = (ValueError, RuntimeError, EOFError, OSError, tarfile.TarError, zlib.error, KeyError, IndexError,
                TypeError)


def _corrupt(path: str, err: BaseException, fix: str = _REPLACE_FIX) -> CorruptFileError:
    reason = str(err).splitlines()[0] if str(err) else "no message"
    if len(reason) > 120:
        reason = reason[:117] + "..."
    return CorruptFileError("Inception weights %r cannot be read (%s: %s); the file is truncated, corrupt or not the "
                            "2015 Inception network. %s." % (path, type(err).__name__, reason, fix), path)


def _state_dict_of_graph(path: str, fmt: str, fix: str = _REPLACE_FIX) -> Dict[str, torch.Tensor]:
    """Canonical state dict converted from the ``.pb`` / ``.tgz`` at ``path``; names the file when it is bad."""
    try:
        return graphdef_to_state_dict(_read_graphdef_bytes(path, fmt))
    except _READ_ERRORS as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise _corrupt(path, err, fix) from err


def _read_pb_from_tgz(path: str) -> bytes:
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and os.path.basename(member.name) == PB_NAME:
                f = tar.extractfile(member)
                assert f is not None  # a regular file
                return f.read()
    raise ValueError("%s does not contain %s" % (path, PB_NAME))


def _read_graphdef_bytes(path: str, fmt: str) -> bytes:
    if fmt == "tgz":
        return _read_pb_from_tgz(path)
    with open(path, "rb") as f:
        return f.read()


def _canonicalize(raw: object, origin: str) -> Dict[str, torch.Tensor]:
    """Canonical float32 state dict from a loaded ``.pth`` mapping (extra keys are dropped)."""
    if not isinstance(raw, Mapping):
        raise ValueError("%s does not hold a state dict" % origin)
    if "state_dict" in raw and isinstance(raw["state_dict"], Mapping):
        raw = raw["state_dict"]
    raw = {(k[7:] if k.startswith("module.") else k): v for k, v in raw.items()}
    sd: Dict[str, torch.Tensor] = {}
    for key, shape in canonical_keys().items():
        if key not in raw:
            raise ValueError("%s lacks the key %r: not the 2015 Inception weights in the pytorch-fid layout"
                             % (origin, key))
        t = torch.as_tensor(raw[key]).detach().to("cpu", torch.float32).contiguous()
        if tuple(t.shape) != shape:
            raise ValueError("%s: %r has shape %s, expected %s" % (origin, key, tuple(t.shape), shape))
        sd[key] = t
    return sd


def _load_pth(path: str) -> Dict[str, torch.Tensor]:
    m = re.search(r"-([0-9a-f]{8,64})\.pth?$", os.path.basename(path))
    if m:
        digest = _file_sha256(path)
        if not digest.startswith(m.group(1)):
            raise CorruptFileError("Inception weights %r: SHA-256 %s... does not start with %s as the file name says; "
                                   "the file is truncated, corrupt or renamed. %s." % (path, digest[:16], m.group(1),
                                                                                       _REPLACE_FIX), path)
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except _READ_ERRORS as err:
        raise _corrupt(path, err) from err
    return _canonicalize(raw, path)


def _save_converted(sd: Dict[str, torch.Tensor], target: str, source_sha: str) -> str:
    """Writes ``target`` and ``target.json`` atomically; returns the weights hash.

    Raises SaveError (an OSError) when the cache folder cannot be written.
    """
    digest = state_dict_hash(sd)
    atomic_torch_save(sd, target, what="converted Inception weights")
    os.chmod(target, 0o644)
    atomic_json_dump({"weights_sha256": digest, "source_sha256": source_sha, "format": "canonical-v1"},
                     target + ".json", what="record of the converted Inception weights")
    return digest


def _load_converted(target: str) -> Optional[Tuple[Dict[str, torch.Tensor], str, Dict[str, Any]]]:
    """Cached conversion if present and matching its record, else ``None``."""
    if not (os.path.isfile(target) and os.path.isfile(target + ".json")):
        return None
    try:
        with open(target + ".json") as f:
            record = json.load(f)
        sd = _canonicalize(torch.load(target, map_location="cpu", weights_only=True), target)
    except Exception:  # unreadable cache entry: convert again
        return None
    digest = state_dict_hash(sd)
    if digest != record.get("weights_sha256"):
        return None
    return sd, digest, record


def _convert_graphdef_file(path: str, fmt: str) -> _Loaded:
    """State dict and hash of a user-given ``.pb``/``.tgz``, via a cache keyed by the file hash."""
    source_sha = _file_sha256(path)
    target = os.path.join(cache_dir(), "converted-%s.pt" % source_sha[:16])
    hit = _load_converted(target)
    if hit is not None and hit[2].get("source_sha256") == source_sha:
        return hit[0], hit[1]
    sd = _state_dict_of_graph(path, fmt)
    try:
        digest = _save_converted(sd, target, source_sha)
    except OSError:  # read-only cache: still usable, only slower next time
        digest = state_dict_hash(sd)
    return sd, digest


def _download(url: str, dest: str) -> None:
    """Downloads ``url`` to ``dest`` with short socket timeouts and an overall deadline."""
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = dest + ".part"
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as resp, open(tmp, "wb") as out:
            while True:
                chunk = resp.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
                if time.monotonic() - start > DOWNLOAD_DEADLINE:
                    raise TimeoutError("download took longer than %d s" % DOWNLOAD_DEADLINE)
        with open(tmp, "rb") as f:  # a complete gzip stream ends with its size; check it reads
            with gzip.open(f) as g:
                while g.read(1 << 22):
                    pass
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _default_weights() -> _Loaded:
    """Weights from the cache, converting the cached archive or downloading it when needed."""
    target = os.path.join(cache_dir(), CONVERTED_NAME)
    tgz = os.path.join(cache_dir(), TGZ_NAME)
    hit = _load_converted(target)
    if hit is not None:
        replaced = os.path.isfile(tgz) and os.path.getmtime(tgz) > os.path.getmtime(target)
        if not replaced or hit[2].get("source_sha256") == _file_sha256(tgz):
            return hit[0], hit[1]
    if not os.path.isfile(tgz):
        if os.environ.get(ENV_OFFLINE, "").strip() not in ("", "0"):
            raise WeightsNotFoundError(_how_to_provide("nothing found and %s is set" % ENV_OFFLINE))
        url = os.environ.get(ENV_URL) or INCEPTION_URL
        try:
            _download(url, tgz)
        except Exception as err:
            raise WeightsNotFoundError(_how_to_provide("nothing found and the download of %s failed (%s: %s)"
                                                       % (url, type(err).__name__, err))) from None
    sd = _state_dict_of_graph(tgz, "tgz", fix="Delete it: the next call downloads it again (or copy a good "
                                              "inception-2015-12-05.tgz there)")
    digest = _save_converted(sd, target, _file_sha256(tgz))
    return sd, digest


def _resolve_path(weights: Union[None, str, "os.PathLike[str]"]) -> Optional[str]:
    """Path given by argument or environment variable, or ``None`` for the cache/download."""
    if weights is None:
        env = os.environ.get(ENV_WEIGHTS, "").strip()
        if not env:
            return None
        weights, origin = env, "%s=%s" % (ENV_WEIGHTS, env)
    else:
        origin = "weights=%r" % (os.fspath(weights),)
    path = os.path.abspath(os.path.expanduser(os.fspath(weights)))
    if not os.path.isfile(path):
        raise WeightsNotFoundError(_how_to_provide("%s does not exist" % origin))
    return path


def load_inception_weights(weights: WeightsSource = None) -> Tuple[Dict[str, torch.Tensor], str]:
    """Loads the 2015 Inception weights as a canonical state dict.

    Args:
        weights: ``None`` (environment variable, cache, then download), a path to a ``.tgz``,
            ``.pb`` or ``.pth`` file, or an already loaded state dict in the canonical layout.

    Returns:
        tuple: ``(state_dict, sha256_hex)``; ``state_dict`` maps the canonical keys
        (``Conv2d_1a_3x3.conv.weight``, ..., ``fc.bias``) to float32 CPU tensors, batch norms
        not folded. The dict is shared between calls: do not modify it.

    Raises:
        WeightsNotFoundError (a FileNotFoundError): nothing found and no download possible.
        CorruptFileError (a ValueError): the file is truncated, corrupt, of an unknown format or
            fails its hash (named, with the fix).
        ValueError: the file is not the expected network.
    """
    if isinstance(weights, Mapping):
        sd = _canonicalize(weights, "the given state dict")
        return sd, state_dict_hash(sd)
    path = _resolve_path(weights)
    memo_path = path or os.path.join(cache_dir(), CONVERTED_NAME)
    try:
        st = os.stat(memo_path)
        memo_key = (memo_path, st.st_size, st.st_mtime_ns)
    except OSError:
        memo_key = None
    if memo_key is not None and memo_key in _MEMO:
        return _MEMO[memo_key]
    if path is None:
        result = _default_weights()
        st = os.stat(memo_path)
        memo_key = (memo_path, st.st_size, st.st_mtime_ns)
    else:
        fmt = detect_format(path)
        if fmt == "pth":
            sd = _load_pth(path)
            result = (sd, state_dict_hash(sd))
        else:
            result = _convert_graphdef_file(path, fmt)
    _MEMO.clear()  # keep one set of weights in memory
    if memo_key is not None:  # None: the file could not be stat'ed, so it could not be looked up either
        _MEMO[memo_key] = result
    return result


def weights_hash(weights: WeightsSource = None) -> str:
    """SHA-256 hex identifying the weights ``weights`` resolves to (see :func:`load_inception_weights`)."""
    return load_inception_weights(weights)[1]


def graphdef_path(weights: WeightsSource = None) -> str:
    """Path of a GraphDef ``.pb`` for the TensorFlow backend (extracted from a ``.tgz`` if needed).

    Raises:
        ValueError: ``weights`` is a converted ``.pth`` or a state dict (no graph to run).
    """
    if isinstance(weights, Mapping):
        raise ValueError("backend='tf' needs the original graph (.pb or .tgz), not a state dict")
    path = _resolve_path(weights)
    if path is None:
        tgz = os.path.join(cache_dir(), TGZ_NAME)
        if not os.path.isfile(tgz):
            load_inception_weights(None)  # downloads when allowed, or raises the clear error
        if not os.path.isfile(tgz):
            raise WeightsNotFoundError(_how_to_provide("backend='tf' needs %s in the cache" % TGZ_NAME))
        path, fmt = tgz, "tgz"
    else:
        fmt = detect_format(path)
    if fmt == "pb":
        return path
    if fmt == "pth":
        raise ValueError("backend='tf' needs the original graph (.pb or .tgz), not the converted file %s" % path)
    pb = os.path.join(cache_dir(), "graph-%s.pb" % _file_sha256(path)[:16])
    if not os.path.isfile(pb):
        try:
            data = _read_pb_from_tgz(path)
        except _READ_ERRORS as err:
            raise _corrupt(path, err) from err
        atomic_write(pb, lambda f: f.write(data), "wb", what="Inception graph extracted from %s" % path)
    return pb

