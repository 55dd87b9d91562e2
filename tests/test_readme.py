"""README.md and docs/ cannot drift from the code.

* Every ```python block of README.md runs, in order, in one namespace (as a reader would paste
  them into one session), in a scratch folder holding stand-in files of the downloadable
  datasets (``./datasets``, the real on-disk formats) and stand-in Inception weights. Nothing is
  skipped: work a block asks for at full scale is scaled down (networks of the library at most
  ``MAX_WIDTH`` channels wide unless a width is given, at most ``MAX_STEPS`` training steps,
  batches of ``MAX_BATCH`` images, ``MAX_SAMPLES`` images per metric, the checkpoints a
  scaled-down run has written), and names a block uses without defining them (``images``,
  ``feats_real``, ...) are given stand-in values. A new block that needs another stand-in fails
  here with a NameError naming it: add it to ``STAND_INS``.
* Every dotted name of the library that README.md or docs/*.rst mention (``mmc.metrics.evaluate``,
  ``torch_mimicry.modules.layers.PooledConv2d``, ``from torch_mimicry.x import y``, Sphinx
  roles under ``currentmodule``) exists where they show it.
"""
import glob
import importlib
import inspect
import os
import re
import sys
import warnings

import numpy as np
import pytest
import torch

import torch_mimicry as mmc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "metrics"))
sys.path.insert(0, os.path.join(HERE, "datasets"))
from inception_fixtures import fixture_files  # noqa: E402
from test_load_dataset import make_celeba, make_cifar10, make_cifar100, make_imagenet, make_stl10  # noqa: E402

MAX_WIDTH = 16
MAX_STEPS = 2
MAX_BATCH = 4
MAX_SAMPLES = 6
SAMPLE_KWARGS = ("num_samples", "num_real_samples", "num_fake_samples")


def python_blocks(path=os.path.join(ROOT, "README.md")):
    """The ```python blocks of a Markdown file, in order."""
    with open(path) as f:
        return re.findall(r"^```python\n(.*?)^```", f.read(), flags=re.S | re.M)


def _stand_ins():
    g = torch.Generator().manual_seed(0)
    return {
        "images": torch.randint(0, 256, (10, 3, 32, 32), dtype=torch.uint8, generator=g),
        "feats_real": torch.randn(1000, 64, generator=g, dtype=torch.float64),
        "feats_fake": torch.randn(1000, 64, generator=g, dtype=torch.float64) + 0.1,
    }


#: Values for names that README blocks use as placeholders (the reader's own data).
STAND_INS = _stand_ins


def _narrow(cls):
    """``cls`` with ``ngf`` / ``ndf`` defaulting to ``MAX_WIDTH`` (widths given explicitly are kept)."""
    params = inspect.signature(cls.__init__).parameters
    widths = {k: MAX_WIDTH for k in ("ngf", "ndf") if k in params}

    def __init__(self, *args, **kwargs):
        bound = inspect.signature(cls.__init__).bind(self, *args, **kwargs).arguments
        for key, width in widths.items():
            bound.setdefault(key, width)
        bound.pop("self")
        extra = bound.pop("kwargs", {})
        cls.__init__(self, **bound, **extra)

    return type(cls.__name__, (cls,), {"__init__": __init__, "__module__": cls.__module__})


def _library_networks():
    """``(package, name, class)`` of every network class exported by a family package of mmc.nets."""
    for family in vars(mmc.nets).values():
        if not inspect.ismodule(family) or family.__name__.count(".") != 2:
            continue
        for name in getattr(family, "__all__", ()):
            cls = getattr(family, name)
            if inspect.isclass(cls) and issubclass(cls, mmc.nets.basemodel.BaseModel) and "Base" not in name:
                yield family, name, cls


def _scaled_metric(fn):
    """``fn`` with sample counts capped and the requested checkpoint steps replaced by the ones a
    scaled-down training run wrote."""

    def scaled(*args, **kwargs):
        params = inspect.signature(fn).bind_partial(*args, **kwargs).arguments
        extra = params.pop("kwargs", {})
        params.update(extra)
        for key in SAMPLE_KWARGS:
            if key in params:
                params[key] = min(int(params[key]), MAX_SAMPLES)
        if params.get("metric") == "kid" or fn.__name__ == "kid_score":
            params["num_subsets"] = min(int(params.get("num_subsets", 2)), 2)
            params.pop("subset_size", None)
        if params.get("metric") == "inception_score" or fn.__name__ == "inception_score":
            params["splits"] = min(int(params.get("splits", 2)), 2)
        if "num_runs" in inspect.signature(fn).parameters:
            params["num_runs"] = 1
        if "log_dir" in params and ("evaluate_range" in params or "evaluate_step" in params):
            params.pop("evaluate_range", None)
            params["evaluate_step"] = mmc.metrics.available_steps(params["log_dir"])
        return fn(**params)

    scaled.__name__ = fn.__name__
    return scaled


@pytest.fixture
def readme_world(tmp_path, monkeypatch, tmp_path_factory):
    """A scratch working folder with stand-in datasets and Inception weights, and the scaled-down
    Trainer, DataLoader and metric functions."""
    datasets = tmp_path / "datasets"
    make_cifar10(datasets, n=4)
    make_cifar100(datasets, n=MAX_SAMPLES)
    make_stl10(datasets, n=MAX_SAMPLES)
    make_celeba(datasets)
    make_imagenet(datasets)
    # a stand-in for TTUR's published fid_stats_cifar10_train.npz (mu [2048], sigma [2048, 2048])
    np.savez(tmp_path / "fid_stats_cifar10_train.npz", mu=np.zeros(2048), sigma=np.eye(2048) * 0.01)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "mimicry_home"))
    monkeypatch.setenv("MIMICRY_INCEPTION_WEIGHTS", fixture_files(tmp_path_factory)["pth"])
    monkeypatch.setenv("MIMICRY_OFFLINE", "1")

    real_loader = torch.utils.data.DataLoader

    class SmallLoader(real_loader):
        def __init__(self, dataset, batch_size=1, *args, **kwargs):
            kwargs["num_workers"] = 0
            super().__init__(dataset, min(batch_size, MAX_BATCH), *args, **kwargs)

    real_trainer = mmc.training.Trainer

    class ShortTrainer(real_trainer):
        def __init__(self, *args, **kwargs):
            bound = inspect.signature(real_trainer).bind(*args, **kwargs).arguments
            bound["num_steps"] = min(bound["num_steps"], MAX_STEPS)
            super().__init__(**bound)

    monkeypatch.setattr(torch.utils.data, "DataLoader", SmallLoader)
    for family, name, cls in _library_networks():
        if {"ngf", "ndf"} & set(inspect.signature(cls.__init__).parameters):
            monkeypatch.setattr(family, name, _narrow(cls))
    monkeypatch.setattr(mmc.training, "Trainer", ShortTrainer)
    for name in ("evaluate", "fid_score", "kid_score", "inception_score", "score_generator"):
        monkeypatch.setattr(mmc.metrics, name, _scaled_metric(getattr(mmc.metrics, name)))
    return tmp_path


def test_readme_has_python_blocks():
    blocks = python_blocks()
    assert len(blocks) >= 3 and any("Trainer" in b for b in blocks) and any("inception_features" in b
                                                                           for b in blocks)


def test_every_readme_python_block_runs(readme_world):
    namespace = {"__name__": "__readme__"}
    stand_ins = STAND_INS()
    for i, block in enumerate(python_blocks()):
        code = compile(block, f"README.md python block {i + 1}", "exec")
        for name in code.co_names:
            if name in stand_ins and name not in namespace:
                namespace[name] = stand_ins[name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # stand-in files fail MD5 checks; tiny FIDs warn
            exec(code, namespace)
    # the blocks did what they say, at the scaled-down size
    assert os.path.isfile(readme_world / "log" / "sngan" / "checkpoints" / "netG" / f"netG_{MAX_STEPS}_steps.pth")
    assert namespace["feats"].shape == (10, 2048) and namespace["logits"].shape == (10, 1008)
    assert np.isfinite(namespace["fid"]) and np.isfinite(namespace["kid_mean"]) and namespace["is_mean"] >= 1.0
    assert namespace["netG"].ngf == MAX_WIDTH  # the scaled-down network was the one trained
    assert set(namespace["scores"]) == {MAX_STEPS}


# ---------------------------------------------------------------------------------------
# Names mentioned in README.md and docs/


def _documents():
    return [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.rst")))


def resolve(dotted):
    """The object ``dotted`` names (``mmc.`` stands for ``torch_mimicry.``), or raises."""
    dotted = re.sub(r"^mmc\.", "torch_mimicry.", dotted)
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def _code(path, text):
    """The code of a document: its ```python blocks (Markdown) or literal blocks (reST), where
    imports are real rather than described (prose may name a placeholder module)."""
    if path.endswith(".md"):
        return "\n".join(python_blocks(path))
    blocks = re.findall(r"(?:^\.\. code-block::.*|::)\n\n((?:[ \t]+.*\n|\n)+)", text, flags=re.M)
    return "\n".join(blocks)


def mentioned_names():
    names = set()
    for path in _documents():
        text = open(path).read()
        where = os.path.relpath(path, ROOT)
        for m in re.finditer(r"(?<![\w.<])((?:mmc|torch_mimicry)(?:\.[A-Za-z_]\w*)+)(?![\w<])", text):
            names.add((where, m.group(1)))
        for m in re.finditer(r"from (torch_mimicry(?:\.\w+)*) import (\([^)]*\)|[^\n#]+)", _code(path, text)):
            for name in re.findall(r"\w+", m.group(2)):
                names.add((where, f"{m.group(1)}.{name}"))
        module = None
        for line in text.splitlines():
            cm = re.match(r"\.\. currentmodule:: ([\w.]+)", line.strip())
            if cm:
                module = cm.group(1)
            for role in re.findall(r":(?:func|class|data|attr|meth|mod):`~?([\w.]+)`", line):
                names.add((where, role if role.startswith("torch_mimicry") or module is None
                           else f"{module}.{role}"))
    return sorted(names)


def test_documents_mention_names():
    names = {n for _, n in mentioned_names()}
    assert "mmc.training.Trainer" in names and any(n.endswith(".inception_features") for n in names)


@pytest.mark.parametrize("where, name", mentioned_names())
def test_every_mentioned_name_exists_where_shown(where, name):
    try:
        resolve(name)
    except (ImportError, AttributeError) as e:
        pytest.fail(f"{where} mentions {name}, which does not exist ({e})")
