import os

import pytest
import torch
import torch.nn as nn

from torch_mimicry.nets.basemodel import BaseModel, CheckpointError


class TinyModel(BaseModel):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("counter", torch.zeros(1))

    def forward(self, x):
        return self.fc(x)


def test_count_params_and_device():
    m = TinyModel()
    assert m.count_params() == (8, 8)
    m.fc.bias.requires_grad_(False)
    assert m.count_params() == (8, 6)
    assert m.device == torch.device("cpu")


def test_save_and_restore_round_trip_with_optimizer(tmp_path):
    m = TinyModel()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    m(torch.randn(4, 3)).sum().backward()
    opt.step()
    path = m.save_checkpoint(str(tmp_path / "ckpt"), global_step=7, optimizer=opt)
    assert os.path.basename(path) == "ckpt_7_steps.pth"  # named after its folder, as in 0.1.16
    assert os.listdir(tmp_path / "ckpt") == ["ckpt_7_steps.pth"]  # no temporary files left

    m2 = TinyModel()
    opt2 = torch.optim.Adam(m2.parameters(), lr=1e-3)
    assert m2.restore_checkpoint(path, optimizer=opt2) == 7
    for a, b in zip(m.state_dict().values(), m2.state_dict().values()):
        assert torch.equal(a, b)
    state, state2 = opt.state_dict()["state"], opt2.state_dict()["state"]
    assert torch.equal(state[0]["exp_avg"], state2[0]["exp_avg"])


def test_custom_name(tmp_path):
    path = TinyModel().save_checkpoint(str(tmp_path), 3, name="netG_3_steps.pth")
    assert path.endswith("netG_3_steps.pth")
    ckpt = torch.load(path, weights_only=True)
    assert set(ckpt) == {"model_state_dict", "optimizer_state_dict", "global_step", "model_class"}
    assert ckpt["optimizer_state_dict"] is None and ckpt["global_step"] == 3


def test_missing_and_truncated_checkpoints(tmp_path):
    m = TinyModel()
    with pytest.raises(FileNotFoundError, match="No checkpoint file"):
        m.restore_checkpoint(str(tmp_path / "nope.pth"))
    path = m.save_checkpoint(str(tmp_path), 1)
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        m.restore_checkpoint(path)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_checkpoints_are_loaded_as_data_only(tmp_path):
    path = str(tmp_path / "evil.pth")
    torch.save({"model_state_dict": {}, "payload": _Evil()}, path)
    with pytest.raises(CheckpointError):
        TinyModel().restore_checkpoint(path)


def test_wrong_architecture_is_reported(tmp_path):
    path = TinyModel().save_checkpoint(str(tmp_path), 1)

    class Other(BaseModel):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(5, 2)

    with pytest.raises(CheckpointError, match="does not fit Other.*TinyModel"):
        Other().restore_checkpoint(path)


def test_optimizer_requested_but_absent(tmp_path):
    path = TinyModel().save_checkpoint(str(tmp_path), 1)
    m = TinyModel()
    with pytest.raises(CheckpointError, match="no optimizer state"):
        m.restore_checkpoint(path, optimizer=torch.optim.SGD(m.parameters(), lr=0.1))


def test_convert_state_dict_hook(tmp_path):
    path = str(tmp_path / "old.pth")
    torch.save({"model_state_dict": {"linear.weight": torch.ones(2, 3), "linear.bias": torch.zeros(2),
                                     "counter": torch.zeros(1)}, "global_step": 5}, path)

    class Renamed(TinyModel):
        def convert_state_dict(self, state_dict):
            return {k.replace("linear.", "fc."): v for k, v in state_dict.items()}

    m = Renamed()
    assert m.restore_checkpoint(path) == 5
    assert torch.equal(m.fc.weight, torch.ones(2, 3))
