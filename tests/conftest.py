"""Shared test settings: deterministic, small, CPU-only."""
import os

import pytest
import torch

os.environ.setdefault("MIMICRY_HOME", os.path.join(os.path.dirname(__file__), ".mimicry_home_unused"))
# Child processes the tests start import this checkout too (not another install of the package).
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_REPO, os.environ.get("PYTHONPATH")) if p)
torch.set_num_threads(2)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield
