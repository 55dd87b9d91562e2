"""Small utilities shared across the library."""
from torch_mimicry.utils import charts, events, progress, report
from torch_mimicry.utils.io import atomic_json_dump, atomic_torch_save, atomic_write

__all__ = ["atomic_json_dump", "atomic_torch_save", "atomic_write", "charts", "events", "progress", "report"]
