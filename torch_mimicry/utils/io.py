"""Atomic file writes: a file on disk is either complete or absent."""
import json
import os
import tempfile

import torch


def _atomic_write(path, write_fn, mode):
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


def atomic_write(path, write_fn, mode="wb"):
    """Calls ``write_fn(f)`` on a temporary file opened with ``mode``, then renames it to ``path``.

    The file gets the permissions of a newly created file (``0o666`` less the umask), not the
    owner-only ones of the temporary file: reports, images and statistics are meant to be shared.
    """
    _atomic_write(path, write_fn, mode)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_torch_save(obj, path):
    """``torch.save(obj, path)`` through a temporary file and a rename."""
    _atomic_write(path, lambda f: torch.save(obj, f), "wb")


def atomic_json_dump(obj, path, indent=2):
    """Writes ``obj`` as JSON to ``path`` through a temporary file and a rename."""
    _atomic_write(path, lambda f: f.write(json.dumps(obj, indent=indent, sort_keys=True) + "\n"), "w")
