"""The optional packages of mmc.hub and the trackers install from the package's own metadata:
setup.py's extras name them, the error messages name those extras, and the tested pins satisfy them."""
import ast
import os

from packaging.requirements import Requirement

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def _extras():
    tree = ast.parse(open(os.path.join(ROOT, "setup.py")).read())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "extras_require":
            return ast.literal_eval(node.value)
    raise AssertionError("setup.py has no extras_require")


def test_extras_and_pins():
    extras = _extras()
    names = {extra: {Requirement(r).name.replace("_", "-") for r in reqs} for extra, reqs in extras.items()}
    assert names["hub"] == {"huggingface-hub", "safetensors"}
    assert names["wandb"] == {"wandb"} and names["mlflow"] == {"mlflow"}
    pins = {}
    for line in open(os.path.join(ROOT, "requirements-test.txt")):
        line = line.split("#")[0].strip()
        if "==" in line:
            req = Requirement(line)
            pins[req.name.replace("_", "-")] = next(iter(req.specifier)).version
    for extra in ("hub", "wandb", "mlflow"):
        for spec in extras[extra]:
            req = Requirement(spec)
            assert req.specifier.contains(pins[req.name.replace("_", "-")]), (extra, spec)
    sources = "".join(open(os.path.join(ROOT, "torch_mimicry", *p)).read()
                      for p in (("hub", "files.py"), ("hub", "artefact.py"), ("training", "trackers.py")))
    for extra in ("hub", "wandb", "mlflow"):
        assert f"pip install 'torch-mimicry[{extra}]'" in sources
