"""Small utilities shared across the library: atomic writes, the library's file errors, image range
checks, progress bars, TensorBoard event reading, charts and run reports, and the helpers of
torch-mimicry 0.1.16 (``write_to_json``, ``load_from_json``, ``save_tensor_image``, ``load_images``)."""
from torch_mimicry.utils import charts, common, events, progress, report
from torch_mimicry.utils.common import load_from_json, load_images, save_tensor_image, write_to_json
from torch_mimicry.utils.errors import CorruptFileError, SaveError
from torch_mimicry.utils.images import check_image_values
from torch_mimicry.utils.io import StrPath, atomic_json_dump, atomic_torch_save, atomic_write, ensure_dir

__all__ = ["CorruptFileError", "SaveError", "StrPath", "atomic_json_dump", "atomic_torch_save", "atomic_write",
           "charts", "check_image_values", "common", "ensure_dir", "events", "load_from_json", "load_images",
           "progress", "report", "save_tensor_image", "write_to_json"]
