"""Progress bars for long loops: a tqdm bar where someone watches, silence elsewhere.

A bar is shown only when all of these hold: ``tqdm`` is installed, standard output and
standard error are terminals (so log files and CI output stay clean), this process is
rank 0 of ``torch.distributed`` (or not distributed), and ``$MIMICRY_PROGRESS`` is not
``0``. ``MIMICRY_PROGRESS=1`` forces bars on (on rank 0). Otherwise :func:`progress`
returns a stand-in with the same methods that does nothing.

Example::

    from torch_mimicry.utils.progress import progress

    for batch in progress(batches, total=len(batches), desc="features", unit="batch"):
        ...
"""
from __future__ import annotations

import importlib.util
import os
import sys
import time
from typing import Any, Iterable, Iterator, Optional, Sized

__all__ = ["progress", "progress_enabled", "TrainingProgress"]


def _rank() -> int:
    try:
        import torch.distributed as dist
    except ImportError:  # pragma: no cover
        return 0
    if dist.is_available() and dist.is_initialized():
        return int(dist.get_rank())
    return 0


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


def progress_enabled(enabled: Optional[bool] = None) -> bool:
    """Whether a bar would be shown: ``enabled`` (True / False) or, when None, the rules of
    the module docstring. A bar is never shown on ranks other than 0."""
    if _rank() != 0:
        return False
    if enabled is not None:
        return bool(enabled)
    env = os.environ.get("MIMICRY_PROGRESS", "").strip().lower()
    if env in ("0", "false", "no", "off"):
        return False
    if importlib.util.find_spec("tqdm") is None:
        return False
    if env in ("1", "true", "yes", "on"):
        return True
    return _isatty(sys.stdout) and _isatty(sys.stderr)


class _Quiet:
    """Does nothing, with the tqdm methods the library uses."""

    def __init__(self, iterable: Optional[Iterable[Any]] = None, total: Optional[int] = None, initial: int = 0,
                 **kwargs: Any) -> None:
        self.iterable = iterable
        self.total = total
        self.n = initial

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable or ():
            yield item
            self.n += 1

    def __enter__(self) -> "_Quiet":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def set_postfix_str(self, *args: Any, **kwargs: Any) -> None:
        pass

    def set_description(self, *args: Any, **kwargs: Any) -> None:
        pass

    def write(self, text: str) -> None:
        print(text, flush=True)

    def close(self) -> None:
        pass


def progress(iterable: Optional[Iterable[Any]] = None, total: Optional[int] = None, desc: Optional[str] = None,
             unit: str = "it", enabled: Optional[bool] = None, leave: bool = False, initial: int = 0,
             **kwargs: Any) -> Any:
    """A progress bar over ``iterable`` (or a manual one with ``total``), quiet where it should be.

    Args:
        iterable: what to iterate over (None for a bar driven by ``update(n)``).
        total (int): number of items (default ``len(iterable)`` when it has one).
        desc (str): label in front of the bar.
        unit (str): what one item is (``'img'``, ``'batch'``, ``'step'``).
        enabled (bool): force the bar on or off (default: see the module docstring).
        leave (bool): keep the finished bar on screen.
        initial (int): items already done (a resumed run).
        **kwargs: further ``tqdm`` arguments.

    Returns:
        a ``tqdm`` bar, or a stand-in with ``update``, ``set_postfix``, ``write``, ``close``
        and iteration that prints nothing.
    """
    if total is None and isinstance(iterable, Sized):
        total = len(iterable)
    if not progress_enabled(enabled):
        return _Quiet(iterable, total=total, initial=initial)
    from tqdm.auto import tqdm  # type: ignore[import-untyped]
    return tqdm(iterable, total=total, desc=desc, unit=unit, leave=leave, initial=initial, dynamic_ncols=True,
                **kwargs)


class TrainingProgress:
    """The progress of a training run: a bar over generator steps, or the console lines.

    ``mode='bar'`` shows a tqdm bar (steps, rate, ETA) with the latest losses as its
    postfix; ``mode='log'`` leaves the Trainer's console lines (with their ETA) as they
    are and shows nothing itself; ``mode='auto'`` (default) is ``'bar'`` when a bar can be
    shown (:func:`progress_enabled`) and ``'log'`` otherwise. Its hooks have the
    signatures of a Trainer component's (``setup``, ``after_iteration``, ``close``), so the
    Trainer can own one; ``wants_console_lines`` tells it whether to keep printing.

    Args:
        mode (str): ``'auto'``, ``'bar'`` or ``'log'``.
        postfix_keys (tuple): metrics shown beside the bar (those present in the log).
        refresh_secs (float): least time between postfix updates.
    """

    MODES = ("auto", "bar", "log")

    def __init__(self, mode: str = "auto", postfix_keys: Iterable[str] = ("errD", "errG"),
                 refresh_secs: float = 0.5) -> None:
        if mode not in self.MODES:
            raise ValueError(f"progress mode must be one of {', '.join(self.MODES)}; got {mode!r}.")
        self.mode = mode
        self.postfix_keys = tuple(postfix_keys)
        self.refresh_secs = float(refresh_secs)
        self._bar: Any = None
        self._last_postfix = 0.0

    @property
    def wants_console_lines(self) -> bool:
        """True when the Trainer's own console lines should be printed (no bar shown)."""
        if self.mode == "auto":
            return not progress_enabled()
        return self.mode == "log" or not progress_enabled(True)

    def open(self, num_steps: int, initial_step: int = 0) -> None:
        """Opens the bar at ``initial_step`` of ``num_steps`` (nothing when no bar is shown)."""
        if self.wants_console_lines:
            return
        self._bar = progress(total=num_steps, initial=initial_step, desc="training", unit="step",
                             enabled=True, leave=True)

    def setup(self, trainer: Any) -> None:
        """Opens the bar at ``trainer.global_step`` of ``trainer.num_steps``."""
        self.open(trainer.num_steps, trainer.global_step)

    def after_iteration(self, step: Any, log_data: Any) -> None:
        """Advances the bar by one generator step; shows the latest ``postfix_keys`` (``step``
        is not read: the bar counts its updates)."""
        if self._bar is None:
            return
        self._bar.update(1)
        now = time.time()
        if log_data is not None and now - self._last_postfix >= self.refresh_secs:
            values = {k: f"{log_data[k]:.4g}" for k in self.postfix_keys if k in log_data.keys()}
            if values:
                self._bar.set_postfix(values, refresh=False)
            self._last_postfix = now

    def close(self, trainer: Any = None) -> None:
        """Closes the bar (the end of training)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
