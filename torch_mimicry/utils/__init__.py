"""Small utilities shared across the library: atomic writes, the library's file errors, image range
checks, progress bars, TensorBoard event reading, charts and run reports."""
from torch_mimicry.utils import charts, events, progress, report
from torch_mimicry.utils.errors import CorruptFileError, SaveError
from torch_mimicry.utils.images import check_image_values
from torch_mimicry.utils.io import StrPath, atomic_json_dump, atomic_torch_save, atomic_write, ensure_dir

__all__ = ["CorruptFileError", "SaveError", "StrPath", "atomic_json_dump", "atomic_torch_save", "atomic_write",
           "charts", "check_image_values", "ensure_dir", "events", "progress", "report"]
