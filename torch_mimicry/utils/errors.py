"""The library's own exceptions for files: a file that cannot be written, a file that cannot be read."""
from __future__ import annotations

import errno as _errno
import os
from typing import Optional, Tuple

__all__ = ["SaveError", "CorruptFileError", "DatasetNotFoundError", "errno_name"]


def errno_name(code: Optional[int]) -> str:
    """``'ENOSPC'`` for ``errno.ENOSPC``; ``'errno <code>'`` for codes without a name; ``''`` for None."""
    if code is None:
        return ""
    return _errno.errorcode.get(code, f"errno {code}")


_ADVICE = {
    _errno.ENOSPC: "free space on that disk or write to another folder",
    _errno.EDQUOT: "free space within your disk quota or write to another folder",
    _errno.EFBIG: "the file exceeds the size limit of this process or file system; raise the limit "
                  "(ulimit -f) or write to another disk",
    _errno.EACCES: "make the folder writable by this user or write to another folder",
    _errno.EPERM: "make the folder writable by this user or write to another folder",
    _errno.EROFS: "the file system is mounted read-only; write to another folder",
    _errno.EIO: "the disk reported an I/O error; check it and write to another folder",
}


class DatasetNotFoundError(FileNotFoundError, ValueError):
    """A dataset's files are not where they were looked for.

    A ``FileNotFoundError``, and a ``ValueError`` as torch-mimicry 0.1.16 raised for a missing
    dataset folder (``except ValueError`` written for it keeps working).
    """


class SaveError(OSError):
    """A file could not be written (full disk, read-only folder, ...); nothing half-written is left.

    An ``OSError`` (``except OSError`` keeps working) whose ``errno`` is the one of the
    underlying failure (``errno.ENOSPC``, ``errno.EACCES``, ...).

    Attributes:
        path (str): the file that was being written.
        what (str): what it holds, in words (e.g. ``'netG checkpoint of step 4'``).
        last_checkpoint (tuple or None): ``(log_dir, step)`` of the latest complete checkpoint
            that stays usable, when the file belongs to a training run's folder and one exists.
        log_dir (str or None): that training run's folder, when the file belongs to one.
    """

    def __init__(self, path: str, what: str, cause: BaseException, log_dir: Optional[str] = None,
                 last_checkpoint: Optional[Tuple[str, int]] = None) -> None:
        code = getattr(cause, "errno", None)
        super().__init__(code, os.strerror(code) if code else str(cause))
        self.filename = path
        self.path = path
        self.what = what
        self.cause = cause
        self.log_dir = log_dir
        self.last_checkpoint = last_checkpoint

    def __str__(self) -> str:
        code = self.errno
        if code:
            reason = f"{os.strerror(code).lower()} ({errno_name(code)})"
        else:
            reason = f"{type(self.cause).__name__}: {self.cause}"
        text = f"Could not write the {self.what} to {self.path!r}: {reason}. No partial file was left behind."
        if self.log_dir is not None:
            if self.last_checkpoint is not None:
                text += (f" The last complete checkpoint, step {self.last_checkpoint[1]} in {self.log_dir!r}, is "
                         "intact and usable: train() resumes from it.")
            else:
                text += f" No complete checkpoint exists yet in {self.log_dir!r}."
        advice = _ADVICE.get(code) if code is not None else None
        if advice:
            text += f" To fix: {advice}."
        return text


class CorruptFileError(RuntimeError, ValueError):
    """A file exists but cannot be used: truncated, corrupt, or not in the expected format.

    Both a ``RuntimeError`` and a ``ValueError``, so code that caught either from the
    readers this replaces keeps working. ``path`` names the file.
    """

    def __init__(self, message: str, path: Optional[str] = None) -> None:
        super().__init__(message)
        self.path = path
