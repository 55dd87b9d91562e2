"""``Trainer(compile=True | dict)``: the networks run through ``torch.compile``.

``nn.Module.compile`` compiles in place, so ``train_step``, ``state_dict`` and checkpoints are
unchanged. Where this Python or PyTorch cannot compile, a warning says so and training runs
eagerly; a graph that fails to compile runs eagerly too.
"""
import warnings
from typing import Any, Dict, Iterable

import torch
import torch.nn as nn

__all__ = ["compile_networks"]


def compile_networks(nets: Iterable[nn.Module], options: Dict[str, Any]) -> bool:
    """``module.compile(**options)`` for each network; False (with a warning) where this
    Python / platform cannot compile, True otherwise."""
    try:
        import torch._dynamo as dynamo
        supported = dynamo.is_dynamo_supported()
    except Exception:  # noqa: BLE001  (no dynamo at all)
        supported = False
    if not supported or not hasattr(torch.nn.Module, "compile"):
        warnings.warn("compile=True: torch.compile is not supported with this Python or PyTorch build; training "
                      "runs without it.")
        return False
    dynamo.config.suppress_errors = True  # a graph that fails to compile runs eagerly instead
    for net in nets:
        net.compile(**options)
    return True
