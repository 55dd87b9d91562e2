"""Atomic file writes: a file on disk is either complete or absent.

Every write goes to a temporary file in the target's folder, is flushed to the disk, and is
renamed over the target; on any failure the temporary file is removed and the target keeps
its previous content. A failure of the machine (full disk, read-only folder, I/O error) is
raised as :class:`~torch_mimicry.utils.errors.SaveError`, which names what was being written,
the errno, and, for files of a training run's folder, the last complete checkpoint.
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import IO, Any, Callable, Optional, Tuple, Union

import torch

from torch_mimicry.utils.errors import SaveError
from torch_mimicry.utils.run_layout import find_run

__all__ = ["StrPath", "atomic_write", "atomic_torch_save", "atomic_json_dump", "ensure_dir", "SaveError"]

#: A file system path: ``str`` or ``os.PathLike`` (``pathlib.Path``, ...).
StrPath = Union[str, "os.PathLike[str]"]


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Permissions of written files: those of ``open(path, 'w')`` (temporary files are made 0600).
_FILE_MODE = 0o666 & ~_read_umask()


def _os_error_in(exc: Optional[BaseException]) -> Optional[OSError]:
    """The first ``OSError`` in ``exc``'s chain of causes (itself included), or None.

    ``torch.save`` reports a failed write as a ``RuntimeError`` with the ``OSError`` chained
    under it.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OSError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _save_error(path: StrPath, what: Optional[str], cause: OSError) -> SaveError:
    path = os.fspath(path)
    run, step = find_run(path)
    last = None
    if run is not None:
        try:
            steps = [s for s in run.complete_steps()[0] if s != step]
        except OSError:
            steps = []
        last = (run.root, steps[0]) if steps else None
    return SaveError(path, what or f"file {os.path.basename(path)}", cause, log_dir=run.root if run else None,
                     last_checkpoint=last)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def ensure_dir(directory: StrPath, what: Optional[str] = None) -> StrPath:
    """Creates ``directory`` (and its parents) if missing; raises SaveError when it cannot."""
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise _save_error(os.path.join(directory, "."), what or f"folder {directory!r}", e) from e
    return directory


def atomic_write(path: StrPath, write_fn: Callable[[IO[Any]], object], mode: str = "wb",
                 what: Optional[str] = None) -> None:
    """Writes ``path`` by calling ``write_fn(f)`` on a temporary file, then renaming it.

    Args:
        path (str): the target file; its folder is created if missing.
        write_fn (callable): writes the content to the open file object ``f``.
        mode (str): ``'wb'`` or ``'w'``.
        what (str): what the file holds, in words, for error messages.

    Raises:
        SaveError: the disk or the folder refused the write (the errno is kept); the target
            keeps its previous content and no temporary file is left.
    """
    _atomic_write(path, write_fn, mode, what=what)


def _atomic_write(path: StrPath, write_fn: Callable[[IO[Any]], object], mode: str = "wb",
                  what: Optional[str] = None) -> None:
    """The implementation of :func:`atomic_write`, which every writer of the library goes through."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    except OSError as e:
        raise _save_error(path, what, e) from e
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, mode) as f:
            write_fn(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException as e:
        _remove_quietly(tmp_path)
        os_error = _os_error_in(e) if isinstance(e, Exception) else None
        if os_error is not None:
            raise _save_error(path, what, os_error) from e
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def atomic_torch_save(obj: object, path: StrPath, what: Optional[str] = None) -> None:
    """``torch.save(obj, path)`` through a temporary file and a rename (see :func:`atomic_write`)."""
    _atomic_write(path, lambda f: torch.save(obj, f), "wb", what=what)


def atomic_json_dump(obj: object, path: StrPath, indent: Optional[int] = 2, what: Optional[str] = None) -> None:
    """Writes ``obj`` as JSON (sorted keys) to ``path`` through a temporary file and a rename."""
    text = json.dumps(obj, indent=indent, sort_keys=True) + "\n"  # serialise first: a TypeError writes nothing
    _atomic_write(path, lambda f: f.write(text), "w", what=what)
