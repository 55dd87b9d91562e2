"""Real (kernel-level) write failures, in a child process so the limits do not touch the tests.

Usage: python disk_child.py FOLDER

1. A file size limit (RLIMIT_FSIZE, SIGXFSZ ignored): the kernel stops a checkpoint write
   part-way with EFBIG, as a full disk stops it with ENOSPC.
2. A read-only folder: as root, ``chmod`` does not stop writes, so the process first drops to
   an unprivileged user (nobody), for whom the kernel answers EACCES.

Prints one JSON object: for each case the exception type, errno name and message, and the
files left in the folder.
"""
import json
import os
import resource
import signal
import sys

import torch

from torch_mimicry.utils.errors import errno_name
from torch_mimicry.utils.io import atomic_json_dump, atomic_torch_save


def attempt(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (reported to the parent)
        return {"type": type(e).__name__, "errno": errno_name(getattr(e, "errno", None)), "message": str(e),
                "is_oserror": isinstance(e, OSError)}
    return {"type": None}


def main(folder):
    result = {}
    big = os.path.join(folder, "big", "netG_4_steps.pth")
    os.makedirs(os.path.dirname(big))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, hard))
    result["file_size_limit"] = attempt(lambda: atomic_torch_save({"w": torch.zeros(1 << 16)}, big,
                                                                  what="generator checkpoint of step 4"))
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    result["file_size_limit"]["left"] = sorted(os.listdir(os.path.dirname(big)))

    locked = os.path.join(folder, "locked")
    os.makedirs(locked)
    atomic_json_dump({"num_steps": 2}, os.path.join(locked, "params.json"))
    os.chmod(locked, 0o555)
    if os.geteuid() == 0:
        os.chmod(folder, 0o755)
        os.setgid(65534)
        os.setuid(65534)
    result["read_only"] = attempt(lambda: atomic_json_dump({"num_steps": 4}, os.path.join(locked, "params.json"),
                                                           what="hyperparameters"))
    result["read_only"]["left"] = sorted(os.listdir(locked))
    with open(os.path.join(locked, "params.json")) as f:
        result["read_only"]["content"] = json.load(f)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
