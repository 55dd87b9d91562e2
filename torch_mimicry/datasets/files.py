"""The files of a dataset: present (or downloaded), official (torchvision's own checks), readable.

Three steps, each with one clear error:

1. :func:`ensure_files`: the files a split reads exist under the dataset's folder; when some
   are missing, the dataset can be downloaded and ``download=True``, a download is tried
   (socket timeout :data:`DOWNLOAD_TIMEOUT`); if files are still missing one
   ``FileNotFoundError`` names the dataset, the expected and the missing files, the folder and
   where to get them, with the failed download chained as its cause.
2. :func:`read_checked`: the torchvision reader is built with its own integrity check (the MD5
   sums torchvision publishes); when that check refuses the files, the files of the split that
   fail ``torchvision.datasets.utils.check_integrity`` are named in the library's message:
   a ``UserWarning`` (``check_integrity=True``: the files are read, scores on them are not
   comparable with published ones) or a ``RuntimeError`` (``'strict'``). ``False`` builds the
   reader with its check off, so any files in the official on-disk format are read (subsets,
   tests), and a mismatch is never answered by a silent re-download.
3. :func:`read_files`: a reader that fails on a truncated or corrupt file gives a
   :class:`~torch_mimicry.utils.CorruptFileError` naming the file and the fix.
"""
import contextlib
import math
import os
import pickle
import socket
import warnings
from typing import Callable, Iterator, List, Optional, Sequence, Tuple, Type, TypeVar, Union

from torchvision.datasets.utils import check_integrity as tv_check_integrity

from torch_mimicry.utils.errors import CorruptFileError, DatasetNotFoundError

__all__ = ["DOWNLOAD_TIMEOUT", "IntegrityOption", "ensure_files", "check_integrity_option", "read_checked",
           "read_files", "unchecked", "probe_pickle", "probe_idx", "probe_stl"]

#: Socket timeout in seconds applied while a download is attempted.
DOWNLOAD_TIMEOUT = 20.0

#: ``check_integrity``: True (warn on a mismatch), ``'strict'`` (raise) or False (skip).
IntegrityOption = Union[bool, str]

#: What the torchvision readers raise on a truncated or corrupt file.
READ_ERRORS = (pickle.UnpicklingError, EOFError, ValueError, RuntimeError, AssertionError, KeyError, IndexError,
               TypeError, AttributeError, UnicodeDecodeError, OSError)

_T = TypeVar("_T")


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def ensure_files(name: str, folder: str, required: Sequence[Tuple[str, Optional[str]]], how_to_get: str,
                 download: bool, downloader: Optional[Callable[[], object]]) -> None:
    """Makes sure the ``required`` ``(relative path, md5)`` files exist under ``folder`` (a
    path ending in ``/`` is a directory), calling ``downloader()`` first when some are
    missing and ``download`` is True.

    Raises:
        FileNotFoundError: files still missing; names them, the folder and ``how_to_get``.
    """

    def missing_files() -> List[str]:
        return [rel for rel, _ in required if not os.path.exists(os.path.join(folder, rel))]

    missing = missing_files()
    failure: Optional[Exception] = None
    if missing and download and downloader is not None:
        try:
            with _socket_timeout(DOWNLOAD_TIMEOUT):
                downloader()
        except Exception as err:  # no network, server error, missing helper package ...
            failure = err
        missing = missing_files()
    if missing:
        if downloader is None:
            note = "This dataset cannot be downloaded automatically."
        elif not download:
            note = "No download was attempted (download=False)."
        elif failure is not None:
            note = f"The download attempt failed: {type(failure).__name__}: {str(failure).rstrip('.')}."
        else:
            note = "The download finished but did not produce these files."
        expected = ", ".join(rel for rel, _ in required)
        absent = "none of them exist" if len(missing) == len(required) else f"missing: {', '.join(missing)}"
        raise DatasetNotFoundError(
            f"Dataset {name!r}: files not found under {folder!r}. Expected: {expected}; {absent}. "
            f"{note} {how_to_get}"
        ) from failure


def check_integrity_option(check_integrity: IntegrityOption) -> None:
    """Raises ``ValueError`` unless ``check_integrity`` is True, False or ``'strict'``."""
    if check_integrity not in (True, False, "strict"):
        raise ValueError(f"check_integrity must be True, False or 'strict', got {check_integrity!r}.")


def unchecked(tv_cls: Type[_T]) -> Type[_T]:
    """A subclass of the torchvision reader ``tv_cls`` whose own integrity check passes (for
    ``check_integrity=False``, or after a mismatch was reported): the same reading code."""
    namespace: dict = {"_check_integrity": lambda self: True,
                       "__doc__": f"torchvision's {tv_cls.__name__} reader without its integrity check."}
    meta = getattr(tv_cls, "meta", None)
    if isinstance(meta, dict) and "md5" in meta:
        namespace["meta"] = dict(meta, md5=None)  # CIFAR checks its meta file apart
    return type(f"Unchecked{tv_cls.__name__}", (tv_cls,), namespace)


def read_checked(name: str, folder: str, required: Sequence[Tuple[str, Optional[str]]], how_to_get: str,
                 check_integrity: IntegrityOption, build_checked: Callable[[], _T], build_unchecked: Callable[[], _T],
                 probe: Optional[Callable[[str], Optional[str]]] = None) -> _T:
    """The reader of a torchvision dataset, built with torchvision's own integrity check
    (``build_checked``) unless ``check_integrity`` is False.

    When torchvision refuses the files, the ``required`` files (of the split read) that fail
    ``torchvision.datasets.utils.check_integrity`` are named: a ``UserWarning``, or with
    ``'strict'`` a ``RuntimeError``; the files are then read by ``build_unchecked`` (as they
    are when torchvision's check concerned only files the split does not read).

    Raises:
        ValueError: ``check_integrity`` is none of True, False, ``'strict'``.
        RuntimeError: ``'strict'`` and a file differs from the official release.
        CorruptFileError: a file cannot be read (see :func:`read_files`).
    """
    check_integrity_option(check_integrity)
    if check_integrity:
        try:
            return build_checked()
        except FileNotFoundError:
            raise
        except READ_ERRORS as err:
            refusal: Exception = err
        bad = [rel for rel, md5 in required if md5 and not tv_check_integrity(os.path.join(folder, rel), md5)]
        if bad:
            message = (f"Dataset {name!r}: {', '.join(bad)} under {folder!r} failed the MD5 check "
                       f"(corrupted, modified or not the official files). Scores computed on them are not "
                       f"comparable with published ones. To get the official files, delete these and "
                       f"download them again ({how_to_get}); pass check_integrity=False to skip this check.")
            if check_integrity == "strict":
                raise RuntimeError(message) from refusal
            warnings.warn(message, UserWarning, stacklevel=4)
    return read_files(name, folder, [rel for rel, _ in required if not rel.endswith("/")], build_unchecked,
                      how_to_get, probe=probe)


def read_files(name: str, folder: str, files: Sequence[str], build: Callable[[], _T], how_to_get: str,
               probe: Optional[Callable[[str], Optional[str]]] = None) -> _T:
    """``build()`` the reader of ``files`` (paths relative to ``folder``).

    Raises:
        CorruptFileError: the reader failed, or read no images; names the file found bad by
            ``probe(path) -> reason or None`` (or every file when none is), and the fix.
    """
    fix = f"Delete it and get the dataset again: {how_to_get}"
    try:
        ds = build()
    except READ_ERRORS as err:
        if isinstance(err, FileNotFoundError):
            raise
        for rel in files:
            path = os.path.join(folder, rel)
            reason = probe(path) if probe is not None and os.path.isfile(path) else None
            if reason is not None:
                raise CorruptFileError(f"Dataset {name!r}: {path!r} is truncated or corrupt ({reason}). {fix}",
                                       path) from err
        raise CorruptFileError(
            f"Dataset {name!r}: the files under {folder!r} cannot be read ({type(err).__name__}: "
            f"{str(err).splitlines()[0] if str(err) else 'no message'}); one of {', '.join(files)} is truncated, "
            f"corrupt or of another format. {fix.replace('Delete it', 'Delete them')}", folder) from err
    if len(ds) == 0:  # type: ignore[arg-type]  # the readers are sized
        raise CorruptFileError(f"Dataset {name!r}: the files under {folder!r} hold no images (one of "
                               f"{', '.join(files)} is truncated or corrupt). "
                               f"{fix.replace('Delete it', 'Delete them')}", folder)
    return ds


# ---------------------------------------------------------------------------------------
# Why a file is unusable (for the messages of read_files)


def probe_pickle(path: str) -> Optional[str]:
    """Why a CIFAR batch file is unusable, or None."""
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f, encoding="latin1")
    except Exception as err:  # noqa: BLE001  (any failure to unpickle means a bad file)
        return f"{type(err).__name__}: {err}"
    if not isinstance(entry, dict):
        return f"it holds a {type(entry).__name__}, not the dict of a CIFAR batch"
    return None


def probe_idx(path: str) -> Optional[str]:
    """Why an IDX file (MNIST format) is unusable, or None."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        return f"{len(data)} bytes, shorter than an IDX header"
    magic = int.from_bytes(data[:4], "big")
    if magic >> 8 != 0x08 or not 1 <= magic & 0xFF <= 4:
        return f"magic number {magic:#010x} is not that of an IDX file of bytes (0x0801 / 0x0803)"
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    expected = 4 + 4 * ndim + math.prod(dims)
    if len(data) != expected:
        return f"{len(data)} bytes where its header ({' x '.join(map(str, dims))}) announces {expected}"
    return None


def probe_stl(path: str) -> Optional[str]:
    """Why an STL-10 binary file is unusable, or None."""
    size = os.path.getsize(path)
    image_bytes = 3 * 96 * 96
    if path.endswith("_X.bin") and (size == 0 or size % image_bytes):
        return f"{size} bytes, not a whole number of 96x96 RGB images ({image_bytes} bytes each)"
    return None

