"""The mimicry commands on a tiny run of the embedded synthetic dataset."""
import html.parser
import json
import os
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from PIL import Image

from torch_mimicry.cli import main
from torch_mimicry.metrics import features as features_mod
from torch_mimicry.metrics import load_reference_stats

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEMO = os.path.join(ROOT, "examples", "configs", "demo.yaml")
SYNTHETIC = "dataset={name: synthetic, size: 64}"


def stand_in_extract(images, weights=None, backend="torch", batch_size=50, device=None, resize="tf1"):
    """A fixed random projection of the pixels: 16-d 'pool3', 10-d logits (deterministic per image)."""
    batches = [images] if isinstance(images, torch.Tensor) else list(images)
    x = torch.cat([features_mod.to_uint8(b) for b in batches]).reshape(-1, 3 * 32 * 32).double() / 127.5 - 1
    proj = torch.randn(x.shape[1], 26, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    out = x @ proj / x.shape[1] ** 0.5
    return torch.relu(out[:, :16]), out[:, 16:] * 4


@pytest.fixture
def stand_in(monkeypatch, tmp_path):
    monkeypatch.setattr(features_mod, "extract", stand_in_extract)
    monkeypatch.setattr(features_mod, "weights_hash", lambda weights=None: "stand-in")
    monkeypatch.setattr(features_mod, "FEATURE_DIM", 16)
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    warnings.filterwarnings("ignore", message="FID from", category=UserWarning)


def _env():
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A 4-step run: checkpoints at 2 and 4, grids at 2 and 4, scalars every step.

    It runs as ``python -m torch_mimicry.cli`` in a child process: TensorBoard's writer may
    import TensorFlow, which the metrics tests require to stay out of the test process.
    """
    log_dir = str(tmp_path_factory.mktemp("cli") / "run")
    argv = [sys.executable, "-m", "torch_mimicry.cli", "train", DEMO, "--log-dir", log_dir]
    for o in ("trainer.num_steps=4", "trainer.save_steps=2", "trainer.vis_steps=2", "trainer.log_steps=1",
              "trainer.print_steps=4", "generator.ngf=8", "discriminator.ndf=8", "batch_size=4", "device=cpu",
              SYNTHETIC):
        argv += ["--set", o]
    proc = subprocess.run(argv, capture_output=True, text=True, env=_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Training Ended" in proc.stdout
    return log_dir


def test_sample(run, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["sample", run, "--step", "2", "--num", "4", "--nrow", "2", "-o", str(out)]) == 0
    assert Image.open(out).size == (2 * 34 + 2, 2 * 34 + 2)
    a = np.asarray(Image.open(out))
    assert main(["sample", run, "--step", "2", "--num", "4", "--nrow", "2", "-o", str(out)]) == 0
    assert np.array_equal(a, np.asarray(Image.open(out)))  # seeded
    assert main(["sample", run, "--num", "9"]) == 0  # latest step, default file
    assert os.path.isfile(os.path.join(run, "samples", "samples_step_4_seed_0.png"))
    capsys.readouterr()
    assert main(["sample", run, "--truncation", "0.5"]) == 1
    assert "has no truncation" in capsys.readouterr().err
    assert main(["sample", run, "--step", "3"]) == 1
    assert "available steps: [2, 4]" in capsys.readouterr().err


def test_evaluate_and_stats_with_a_stand_in_network(run, tmp_path, stand_in, capsys):
    assert main(["evaluate", run, "--metric", "precision_recall", "--metric", "swd", "--num-samples", "16",
                 "--num-runs", "2", "--batch-size", "8", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "precision_recall step 4: precision" in out and "swd step 2: 32" in out
    recs = json.load(open(os.path.join(run, "metrics", "precision_recall.json")))["records"]
    assert sorted(r["step"] for r in recs) == [2, 4]
    assert recs[0]["protocol"]["dataset"]["name"].startswith("synthetic")  # the run's training set
    # reference statistics of the dataset, then FID against them
    stats = tmp_path / "stats.npz"
    assert main(["stats", "synthetic", "-o", str(stats), "--num-samples", "40", "--batch-size", "8"]) == 0
    ref = load_reference_stats(str(stats), expected_dim=16)
    assert ref.num_samples == 40 and ref.protocol["resize"] == "tf1" and ref.features is None
    assert main(["evaluate", run, "--metric", "fid", "--real-stats", str(stats), "--num-samples", "16",
                 "--step", "4", "--num-runs", "1", "--batch-size", "8", "--quiet"]) == 0
    rec = json.load(open(os.path.join(run, "metrics", "fid.json")))["records"][0]
    assert rec["protocol"]["real_stats"]["sha256"] == ref.sha256
    capsys.readouterr()
    assert main(["evaluate", run, "--metric", "fidd"]) == 1
    assert "Unknown metric 'fidd'" in capsys.readouterr().err
    assert main(["evaluate", run, "--metric", "kid", "--real-stats", str(stats), "--num-samples", "16"]) == 1
    assert "holds only their mean and covariance" in capsys.readouterr().err
    assert main(["stats", "nowhere", "-o", str(tmp_path / "x.npz")]) == 1
    assert "neither a dataset name" in capsys.readouterr().err


def test_stats_and_fid_with_the_inception_network_and_stand_in_weights(run, tmp_path, tmp_path_factory,
                                                                       monkeypatch, capsys):
    sys.path.insert(0, os.path.join(ROOT, "tests", "metrics"))
    from inception_fixtures import fixture_files, shared_home
    weights = fixture_files(tmp_path_factory)["pth"]
    monkeypatch.setenv("MIMICRY_HOME", shared_home(tmp_path_factory))
    monkeypatch.setenv("MIMICRY_OFFLINE", "1")
    warnings.filterwarnings("ignore", message="FID from", category=UserWarning)
    stats = tmp_path / "stats.npz"
    assert main(["stats", "synthetic", "-o", str(stats), "--num-samples", "3", "--weights", weights,
                 "--device", "cpu", "--keep-features"]) == 0
    ref = load_reference_stats(str(stats), expected_dim=2048)
    assert ref.features.shape == (3, 2048) and ref.protocol["weights_hash"] == features_mod.weights_hash(weights)
    assert main(["evaluate", run, "--metric", "fid", "--real-stats", str(stats), "--num-samples", "3",
                 "--step", "4", "--num-runs", "1", "--weights", weights, "--device", "cpu", "--quiet"]) == 0
    assert "fid step 4:" in capsys.readouterr().out


class _Checker(html.parser.HTMLParser):
    VOID = {"meta", "img", "br", "hr", "link", "input", "source"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.images, self.tags = [], [], [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def test_report_is_valid_html_with_existing_images(run, tmp_path, stand_in, capsys):
    assert main(["evaluate", run, "--metric", "swd", "--num-samples", "16", "--num-runs", "2", "--quiet"]) == 0
    assert main(["report", run, "-o", str(tmp_path / "rep"), "--png", str(tmp_path / "overview.png")]) == 0
    page = tmp_path / "rep" / "index.html"
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert not checker.errors and not checker.stack
    assert {"html", "head", "title", "body", "svg", "polyline", "img", "details"} <= checker.tags
    ET.fromstring(text[len("<!DOCTYPE html>"):])  # also well-formed XML
    assert len(checker.images) == 2
    for img in checker.images:
        assert not img["src"].startswith(("http", "/")) and (page.parent / img["src"]).is_file() and img["alt"]
    for needle in ("Losses", "Learning rates", "lr_D", "errG", "SWD x 1e3", "nhoods_per_image", "step 4",
                   "SNGANGenerator32"):
        assert needle in text, needle
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "") and "<script" not in text
    overview = Image.open(tmp_path / "overview.png")
    assert overview.width > 1000 and overview.height > 600
    # the default folder is LOG_DIR/report
    assert main(["report", run]) == 0 and os.path.isfile(os.path.join(run, "report", "index.html"))
    assert "tensorflow" not in sys.modules  # the event files are read without it
    capsys.readouterr()
    assert main(["report", str(tmp_path / "empty")]) == 1
    assert "not found" in capsys.readouterr().err


def test_python_m_entry_point_and_console_script(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "torch_mimicry.cli", "report", str(tmp_path / "none")],
                          capture_output=True, text=True, env=_env(), cwd=str(tmp_path), timeout=300)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "mimicry: error:" in proc.stderr
    setup = open(os.path.join(ROOT, "setup.py")).read()
    assert '"mimicry = torch_mimicry.cli:main"' in setup
