"""The code shown by the documentation's guides runs: the quick start (``examples/quickstart.py``,
included in ``docs/quickstart.rst``) end to end with stand-in Inception weights, and every file a
guide includes exists (the SSGAN tutorial page includes ``examples/ssgan_tutorial.py``, which
``test_examples_families.py`` trains)."""
import importlib.util
import json
import os
import re
import sys

import numpy as np
import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DOCS = os.path.join(ROOT, "docs")


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _includes(page):
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        return re.findall(r"^\.\. (?:literalinclude|include):: (\S+)", f.read(), flags=re.M)


def test_every_included_file_exists():
    pages = [p for p in os.listdir(DOCS) if p.endswith(".rst")]
    included = [(p, target) for p in pages for target in _includes(p)]
    assert included, "no page includes a file"
    for page, target in included:
        assert os.path.isfile(os.path.normpath(os.path.join(DOCS, target))), f"{page} includes missing {target}"


def test_tutorial_page_shows_the_tested_tutorial_file():
    assert "../examples/ssgan_tutorial.py" in _includes("tutorial.rst")
    with open(os.path.join(ROOT, "tests", "test_examples_families.py"), encoding="utf-8") as f:
        assert '_run("ssgan_tutorial"' in f.read()
    assert "../examples/quickstart.py" in _includes("quickstart.rst")


def test_quickstart_trains_and_scores(tmp_path, monkeypatch, capsys):
    sys.path.insert(0, os.path.join(ROOT, "tests", "metrics"))
    from inception_fixtures import write_fixture_files

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MIMICRY_OFFLINE", "1")
    monkeypatch.setenv("MIMICRY_INCEPTION_WEIGHTS", write_fixture_files(str(tmp_path / "weights"))["pth"])
    quickstart = _load(os.path.join(ROOT, "examples", "quickstart.py"), "quickstart")
    log_dir = str(tmp_path / "log")

    with pytest.warns(UserWarning, match="2048"):  # FID from 4 samples is biased; said so
        scores = quickstart.main(num_steps=2, log_dir=log_dir, ngf=8, ndf=8, num_samples=4)
    assert list(scores) == [2] and len(scores[2]) == 3 and all(np.isfinite(s) for s in scores[2])
    with open(os.path.join(log_dir, "metrics", "fid.json")) as f:
        assert [r["step"] for r in json.load(f)["records"]] == [2]
    assert "[Global Step: 2/2]" in capsys.readouterr().out


def _resolve(dotted):
    """The object ``mmc.a.b.c`` names, importing submodules on the way (``None`` if none)."""
    import importlib

    import torch_mimicry
    obj, path = torch_mimicry, "torch_mimicry"
    for part in dotted.split(".")[1:]:
        path += "." + part
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(path)
        except ImportError:
            return None
    return obj


def test_every_mmc_name_in_readme_and_docs_exists():
    texts = {"README.md": os.path.join(ROOT, "README.md")}
    texts.update({p: os.path.join(DOCS, p) for p in os.listdir(DOCS) if p.endswith((".rst", ".md"))})
    missing = []
    for page, path in texts.items():
        with open(path, encoding="utf-8") as f:
            for name in set(re.findall(r"\bmmc(?:\.[A-Za-z_]\w*)+(?![\w<])", f.read())):
                if _resolve(name) is None:
                    missing.append(f"{page}: {name}")
    assert not missing, "names that do not exist: " + ", ".join(sorted(missing))
