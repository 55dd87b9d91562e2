"""Stopping a run cleanly on Ctrl-C (SIGINT) or SIGTERM.

While the Trainer's loop runs, the first signal only sets a flag: the current step finishes, the
checkpoints are saved and training stops (``train()`` resumes it later). A second Ctrl-C raises
``KeyboardInterrupt`` at once. The previous handlers are restored when the loop ends, however it
ends. Signal handlers can only be installed in the main thread; elsewhere this does nothing.
"""
import signal
import threading
from types import FrameType, TracebackType
from typing import Any, Callable, Dict, Optional, Type

__all__ = ["StopOnSignal"]


class StopOnSignal:
    """Context manager: ``received`` is the number of the first SIGINT / SIGTERM (None before).

    Args:
        current_step: ``f() -> int``, the number of generator steps done, named in the message.
    """

    def __init__(self, current_step: Callable[[], int]) -> None:
        self.current_step = current_step
        self.received: Optional[int] = None
        self._previous: Dict[signal.Signals, Any] = {}

    def _handle(self, signum: int, frame: Optional[FrameType]) -> None:
        if self.received is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C stops at once
        self.received = signum
        print(f"\nINFO: {signal.Signals(signum).name} received: finishing step {self.current_step() + 1} "
              "and saving checkpoints (press Ctrl-C again to quit without saving)...", flush=True)

    def __enter__(self) -> "StopOnSignal":
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}
