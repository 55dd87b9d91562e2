"""Small helpers of torch-mimicry 0.1.16 (JSON files, saving an image tensor, test images)."""
import json
import os
from typing import Any, Tuple

import numpy as np
import torch

__all__ = ["write_to_json", "load_from_json", "save_tensor_image", "load_images"]


def write_to_json(dict_to_write: Any, output_file: str) -> None:
    """Writes ``dict_to_write`` to ``output_file`` as indented JSON (atomically: the file is
    complete or absent).

    Raises:
        TypeError: a value JSON cannot represent (nothing is written then).
    """
    from torch_mimicry.utils.io import _atomic_write
    text = json.dumps(dict_to_write, indent=4)
    _atomic_write(output_file, lambda f: f.write(text), "w")


def load_from_json(json_file: str) -> Any:
    """Reads a JSON file and returns its content (a dict for files written by :func:`write_to_json`).

    Raises:
        FileNotFoundError: no file at ``json_file``.
        ValueError: the file is not valid JSON (``json.JSONDecodeError``), naming the file.
    """
    with open(json_file, "r") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise json.JSONDecodeError(f"{json_file!r} is not valid JSON: {e.msg}", e.doc, e.pos) from None


def save_tensor_image(x: Any, output_file: str) -> None:
    """Saves an image tensor ``[3, H, W]`` (or ``[1, H, W]``, ``[H, W]``) to ``output_file`` (the
    format from its extension, e.g. PNG); the folder is created if missing.

    Values: uint8 in [0, 255] are written as they are; floats in [0, 1] are scaled by 255 and
    rounded (values outside [0, 1] are clipped). Map images in [-1, 1] with ``(x + 1) / 2`` first.
    """
    from PIL import Image

    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(np.asarray(x))
    x = x.detach().cpu()
    if x.dim() == 3:
        x = x.permute(1, 2, 0)
        if x.shape[2] == 1:
            x = x[:, :, 0]
    elif x.dim() != 2:
        raise ValueError(f"save_tensor_image expects an image [3, H, W], [1, H, W] or [H, W]; got shape "
                         f"{tuple(x.shape)}.")
    if x.dtype != torch.uint8:
        x = torch.round(x.double().clamp(0, 1) * 255).to(torch.uint8)
    folder = os.path.dirname(os.path.abspath(output_file))
    os.makedirs(folder, exist_ok=True)
    Image.fromarray(x.numpy()).save(output_file)


def load_images(n: int = 1, size: int = 32) -> Tuple[torch.Tensor, torch.Tensor]:
    """Random test images: ``(images [n, 3, size, size] standard normal, labels [n] of zeros)``."""
    images = torch.randn(n, 3, size, size)
    labels = torch.zeros(n, dtype=torch.long)
    return images, labels
