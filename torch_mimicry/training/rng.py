"""Saving and restoring the random number generators that training draws from (torch, CUDA,
numpy, Python), as tensors and plain data that a ``weights_only`` checkpoint load accepts."""
import random
from typing import Any, Dict, Mapping, Tuple, cast

import numpy as np
import torch


def get_rng_state() -> Dict[str, Any]:
    """The state of torch's CPU generator, the initialised CUDA generators, numpy and ``random``."""
    # the legacy tuple form (get_state's default), which the stubs do not tell from the dict form
    np_state = cast(Tuple[str, np.ndarray, int, int, float], np.random.get_state())
    py_state = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else [],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]),
                  int(np_state[3]), float(np_state[4])],
        "python": [py_state[0], list(py_state[1]), py_state[2]],
    }


def set_rng_state(state: Mapping[str, Any]) -> None:
    """Restores a state returned by :func:`get_rng_state`."""
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        cuda_states = state["cuda"][:torch.cuda.device_count()]
        for index, cuda_state in enumerate(cuda_states):
            torch.cuda.set_rng_state(cuda_state, index)
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))


def seed_everything(seed: int) -> None:
    """Seeds torch (CPU and CUDA), numpy and ``random`` with ``seed``."""
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)
