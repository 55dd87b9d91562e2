"""The project's own zoo entries: networks trained with this library and published on the Hugging Face Hub.

An entry is made from the published folder, never typed by hand, so its SHA-256 values and
scores are those of the real files and records::

    info = mmc.hub.push_to_hub(log_dir, "owner/sngan-cifar10", which="best")
    entry = mmc.hub.entry_from_folder(local_copy, "sngan_cifar10_v2", repo_id=info["repo_id"],
                                      revision=info["commit"])
    print(json.dumps(entry.to_json(), indent=2))  # goes into ENTRIES below (ZooEntry.from_json)

No entry is listed yet: no run of this library has been published with its scores.
"""
from typing import Tuple

from torch_mimicry.hub.zoo import ZooEntry

__all__ = ["ENTRIES"]

#: The project's published networks (none yet).
ENTRIES: Tuple[ZooEntry, ...] = ()
