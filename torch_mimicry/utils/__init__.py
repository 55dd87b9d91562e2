"""Small utilities shared across the library."""
from torch_mimicry.utils.io import atomic_json_dump, atomic_torch_save

__all__ = ["atomic_json_dump", "atomic_torch_save"]
