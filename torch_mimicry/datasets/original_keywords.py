"""torch-mimicry 0.1.16's dataset keywords, translated one way into this library's.

0.1.16's loaders took ``transform_data`` (False: the raw PIL images, no preprocessing) and
``convert_tensor`` (False: the resized / cropped PIL images, not tensors in [-1, 1]); CIFAR
took ``split='all'`` (train then test), and ImageNet and LSUN had their own preprocessing
(ImageNet: center crop 224 then resize; LSUN: center crop 256 then resize).
:func:`translate` turns such a call into calls of this library's keywords and a function that
assembles their results; it calls nothing itself, so ``load_dataset`` asks it and it never
asks back.
"""
import dataclasses
from typing import Any, Callable, Dict, List, Mapping, Sized, Tuple, cast

import torch
from PIL import Image
from torch.utils.data import ConcatDataset, Dataset
from torchvision import transforms

from torch_mimicry.datasets.preprocessing import identity

__all__ = ["ORIGINAL_KEYWORDS", "OriginalRequest", "uses_original_keywords", "translate", "tensor_steps",
           "TensorToPIL", "MappedImages"]

#: The keywords only 0.1.16 took.
ORIGINAL_KEYWORDS = ("transform_data", "convert_tensor")

#: Datasets whose 0.1.16 preprocessing differs from this library's: name -> center crop (then resize).
_ORIGINAL_CROP = {"imagenet_32": 224, "imagenet_128": 224, "lsun_bedroom_128": 256}
_SPLIT_ALL = ("cifar10", "cifar100")


def tensor_steps() -> List[Callable[[Any], Any]]:
    """``[ToTensor(), Normalize(0.5, 0.5)]``: PIL image -> float32 tensor in [-1, 1]."""
    return [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]


class TensorToPIL:
    """Maps an image tensor in [-1, 1] back to the 8-bit PIL image it was made from (exact:
    ``ToTensor`` and ``Normalize(0.5, 0.5)`` are inverted by ``round((x + 1) * 127.5)``)."""

    def __call__(self, x: torch.Tensor) -> Image.Image:
        """``x`` float ``(3, H, W)`` in [-1, 1] -> RGB PIL image ``H x W``."""
        arr = torch.round((x + 1.0) * 127.5).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
        return Image.fromarray(arr)


class MappedImages(Dataset[Tuple[Any, Any]]):
    """``dataset`` with ``fn`` applied to each item's image."""

    def __init__(self, dataset: Dataset[Any], fn: Callable[[Any], Any]) -> None:
        self.dataset, self.fn = dataset, fn

    def __len__(self) -> int:
        return len(cast(Sized, self.dataset))  # a map-style dataset

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        image, label = self.dataset[index]
        return self.fn(image), label


@dataclasses.dataclass
class OriginalRequest:
    """A 0.1.16 call in this library's keywords.

    Attributes:
        parts (list of dict): the keyword arguments of each ``load_dataset`` call to make.
        assemble (callable): ``assemble(datasets) -> Dataset`` from their results, in order.
    """

    parts: List[Dict[str, Any]]
    assemble: Callable[[List[Dataset[Any]]], Dataset[Any]]


def uses_original_keywords(name: str, kwargs: Mapping[str, Any]) -> bool:
    """Whether ``load_dataset(root, name, **kwargs)`` is a call in 0.1.16's keywords."""
    return any(k in kwargs for k in ORIGINAL_KEYWORDS) or (kwargs.get("split") == "all" and name in _SPLIT_ALL)


def translate(name: str, kwargs: Mapping[str, Any], resolution: Callable[[], int]) -> OriginalRequest:
    """The calls of this library's ``load_dataset`` that make 0.1.16's dataset.

    Args:
        name (str): the dataset's name.
        kwargs (mapping): the call's keyword arguments (0.1.16's and this library's).
        resolution (callable): ``resolution() -> int``, the dataset's resolution (asked only for
            0.1.16's ImageNet and LSUN resize).
    """
    kwargs = dict(kwargs)
    transform_data = bool(kwargs.pop("transform_data", True))
    convert_tensor = bool(kwargs.pop("convert_tensor", True))
    if kwargs.get("split") == "all" and name in _SPLIT_ALL:
        splits = ["train", "test"]
    else:
        splits = [kwargs.pop("split")] if "split" in kwargs else []
    map_back = False
    if not transform_data:
        kwargs["transform"] = identity
    elif kwargs.get("transform") is None and name in _ORIGINAL_CROP:
        steps: List[Callable[[Any], Any]] = [transforms.CenterCrop(_ORIGINAL_CROP[name]), transforms.Resize(resolution())]
        kwargs["transform"] = transforms.Compose(steps + (tensor_steps() if convert_tensor else []))
    elif kwargs.get("transform") is None and not convert_tensor:
        map_back = True
    if kwargs.get("transform") is None:
        kwargs.pop("transform", None)
    parts = [dict(kwargs, split=s) for s in splits] if splits else [kwargs]

    def assemble(datasets: List[Dataset[Any]]) -> Dataset[Any]:
        dataset = datasets[0] if len(datasets) == 1 else ConcatDataset(datasets)
        return MappedImages(dataset, TensorToPIL()) if map_back else dataset

    return OriginalRequest(parts=parts, assemble=assemble)
