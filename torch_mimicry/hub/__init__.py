"""Pretrained networks: a model zoo by name, and publishing trained ones (Hugging Face Hub, folders, URLs).

::

    pre = mmc.hub.load_pretrained("sngan_cifar10", sha256="...")   # verified, eval mode
    pre.netG.generate_images(16); pre.record["scores"]              # how it was trained, what it scores
    mmc.hub.save_pretrained(log_dir, "out", which="best")           # safetensors + model card
    netG = mmc.hub.from_pretrained("out")                           # or "owner/name@<commit>"

Files come from the Hugging Face Hub through ``huggingface_hub`` (``pip install
'torch-mimicry[hub]'``), from URLs or from local paths, and each is checked against its SHA-256
before it is read. Nothing is imported from ``huggingface_hub`` or ``safetensors``, and nothing is
downloaded, until a function here needs it.
"""
from torch_mimicry.hub.artefact import Pretrained
from torch_mimicry.hub.files import ChecksumError, FileSpec, HashRequiredError, VerifiedFile, fetch, file_sha256
from torch_mimicry.hub.publish import export_run, from_pretrained, load_folder, push_to_hub, save_pretrained
from torch_mimicry.hub.zoo import (PublishedScore, UnknownModelError, ZooEntry, entry_from_folder, get_entry,
                                   is_pretrained_name, list_pretrained, load_pretrained, pretrained_info, register,
                                   register_file, unregister)

__all__ = ["ChecksumError", "FileSpec", "HashRequiredError", "Pretrained", "PublishedScore", "UnknownModelError",
           "VerifiedFile", "ZooEntry", "entry_from_folder", "export_run", "fetch", "file_sha256", "from_pretrained",
           "get_entry", "is_pretrained_name", "list_pretrained", "load_folder", "load_pretrained", "pretrained_info",
           "push_to_hub", "register", "register_file", "save_pretrained", "unregister"]
