"""The python blocks of README's section on precision / recall, SWD, reference statistics and the
command line run as written: the first as is, the second with a stand-in feature extractor,
a CIFAR-10 folder in the real format, a TTUR-format statistics file and a checkpoint made
here, and its sample counts scaled down (the protocol numbers cost minutes of Inception work)."""
import os
import pickle
import re
import warnings

import numpy as np
import torch

import torch_mimicry as mmc
from torch_mimicry.metrics import features as features_mod

README = os.path.join(os.path.dirname(__file__), "..", "README.md")
SECTION = "## Precision / recall, density / coverage, SWD, reference statistics and the `mimicry` command"


def section_blocks(kind="python"):
    text = open(README, encoding="utf-8").read()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    body = text[start:end if end > 0 else None]
    return re.findall(r"```" + kind + r"\n(.*?)```", body, flags=re.S)


def stand_in_extract(images, weights=None, backend="torch", batch_size=50, device=None, resize="tf1"):
    batches = [images] if isinstance(images, torch.Tensor) else list(images)
    x = torch.cat([features_mod.to_uint8(b) for b in batches]).reshape(-1, 3 * 32 * 32).double() / 127.5 - 1
    proj = torch.randn(x.shape[1], 26, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    out = x @ proj / x.shape[1] ** 0.5
    return torch.relu(out[:, :16]), out[:, 16:] * 4


def make_cifar10(root, n=40):
    folder = root / "datasets" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for b, name in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
        entry = {"batch_label": name, "labels": [int(v) for v in rng.integers(0, 10, n)],
                 "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), "filenames": [f"{k}.png" for k in range(n)]}
        with open(folder / name, "wb") as f:
            pickle.dump(entry, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [f"c{i}" for i in range(10)], "num_cases_per_batch": n, "num_vis": 3072}, f)


def test_section_has_its_blocks():
    assert len(section_blocks("python")) == 2 and len(section_blocks("bash")) == 1
    commands = [line.split()[1] for line in section_blocks("bash")[0].splitlines() if line.startswith("mimicry ")]
    assert sorted(set(commands)) == ["evaluate", "report", "sample", "stats", "train"]


def test_feature_level_block_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    warnings.filterwarnings("ignore", message="FID from", category=UserWarning)
    scope = {}
    exec(compile(section_blocks()[0], "README-block-1", "exec"), scope)
    assert 0 <= scope["precision"] <= 1 and 0 <= scope["recall"] <= 1 and scope["density"] >= 0
    assert scope["fid"] > 0 and set(scope["swd"]) == {"32", "16", "avg"}
    assert os.path.isfile(tmp_path / "my_stats.npz")


def test_evaluate_block_runs_with_stand_ins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(features_mod, "extract", stand_in_extract)
    monkeypatch.setattr(features_mod, "weights_hash", lambda weights=None: "stand-in")
    monkeypatch.setattr(features_mod, "FEATURE_DIM", 16)
    warnings.filterwarnings("ignore")
    make_cifar10(tmp_path)
    torch.manual_seed(0)
    netG = mmc.nets.sngan.SNGANGenerator32()
    netG.save_checkpoint(str(tmp_path / "log" / "sngan" / "checkpoints" / "netG"), global_step=100000,
                         name="netG_100000_steps.pth")
    real = torch.randn(60, 16, dtype=torch.float64).numpy()
    np.savez(tmp_path / "fid_stats_cifar10_train.npz", mu=real.mean(0), sigma=np.cov(real, rowvar=False))
    code = re.sub(r"(num_\w*samples)=\d+", r"\1=12", section_blocks()[1])
    exec(compile(code, "README-block-2", "exec"), {})
    for metric in ("precision_recall", "density_coverage", "fid", "swd"):
        records = mmc.metrics.records.load_records(str(tmp_path / "log" / "sngan" / "metrics" / f"{metric}.json"))
        assert len(records) == 1 and records[0]["step"] == 100000 and len(records[0]["seeds"]) == 3
    fid = mmc.metrics.records.load_records(str(tmp_path / "log" / "sngan" / "metrics" / "fid.json"))[0]
    assert fid["protocol"]["resize"] == "clean" and fid["protocol"]["real_stats"]["format"] == "ttur"
