"""Shared test settings: deterministic, small, CPU-only."""
import os

import pytest
import torch

os.environ.setdefault("MIMICRY_HOME", os.path.join(os.path.dirname(__file__), ".mimicry_home_unused"))
torch.set_num_threads(2)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield
