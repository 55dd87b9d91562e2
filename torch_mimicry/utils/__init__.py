"""Small utilities shared across the library, and the helpers of torch-mimicry 0.1.16
(``write_to_json``, ``load_from_json``, ``save_tensor_image``, ``load_images``)."""
from torch_mimicry.utils import common
from torch_mimicry.utils.common import load_from_json, load_images, save_tensor_image, write_to_json
from torch_mimicry.utils.io import StrPath, atomic_json_dump, atomic_torch_save

__all__ = ["StrPath", "atomic_json_dump", "atomic_torch_save", "common", "load_from_json", "load_images",
           "save_tensor_image", "write_to_json"]
