"""Atomic file writes: a file on disk is either complete or absent."""
from __future__ import annotations

import json
import os
import tempfile
from typing import IO, Any, Callable, Union

import torch

#: A file system path: ``str`` or ``os.PathLike`` (``pathlib.Path``, ...).
StrPath = Union[str, "os.PathLike[str]"]


def _atomic_write(path: StrPath, write_fn: Callable[[IO[Any]], object], mode: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode) as f:
            write_fn(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def atomic_torch_save(obj: object, path: StrPath) -> None:
    """``torch.save(obj, path)`` through a temporary file and a rename."""
    _atomic_write(path, lambda f: torch.save(obj, f), "wb")


def atomic_json_dump(obj: object, path: StrPath, indent: int | None = 2) -> None:
    """Writes ``obj`` as JSON to ``path`` through a temporary file and a rename."""
    _atomic_write(path, lambda f: f.write(json.dumps(obj, indent=indent, sort_keys=True) + "\n"), "w")
