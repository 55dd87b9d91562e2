"""Small utilities shared across the library."""
from torch_mimicry.utils.io import StrPath, atomic_json_dump, atomic_torch_save

__all__ = ["StrPath", "atomic_json_dump", "atomic_torch_save"]
