"""Every public module, class, function, method and signature of torch-mimicry 0.1.16 is there.

The reference (``tests/fixtures/original_api.json``) lists what an installation of 0.1.16
exposes; ``api_surface.problems`` reports what a caller written for it would find broken here.
"""
import importlib
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import api_surface  # noqa: E402

def test_reference_covers_the_whole_original_package():
    ref = api_surface.load_reference()
    assert ref["source"] == "torch-mimicry==0.1.16"
    modules = ref["modules"]
    assert len(modules) == 81 and not any("import_error" in m for m in modules.values())
    names = api_surface.checked_names(ref)
    assert len(names) > 450
    for expected in ("torch_mimicry.utils.common:write_to_json", "torch_mimicry.metrics.fid.fid_utils",
                     "torch_mimicry.nets.dcgan.dcgan_cifar:DCGANGeneratorCIFAR", "torch_mimicry.training:Trainer",
                     "torch_mimicry.modules.spectral_norm:SNConv2d", "torch_mimicry.metrics.compute_metrics:evaluate"):
        assert expected in names


def test_every_original_name_works_as_there():
    found = api_surface.problems()
    assert found == {}, "\n".join(f"{k}: {'; '.join(v)}" for k, v in found.items())


def test_modules_left_out_are_the_unfinished_ones():
    for name in api_surface.MISSING_MODULES:
        with pytest.raises(ImportError):
            importlib.import_module(name)


def test_checker_detects_breakage():
    """The comparison fails for the breakages it is meant to catch."""
    spec = [{"name": "a", "kind": "POSITIONAL_OR_KEYWORD"}, {"name": "b", "kind": "POSITIONAL_OR_KEYWORD",
                                                            "default": 1}]
    assert api_surface.signature_problems(spec, lambda a, b=1: None) == []
    assert api_surface.signature_problems(spec, lambda a, b=1, c=2: None) == []
    assert api_surface.signature_problems(spec, lambda b, a=1: None)  # positions swapped
    assert api_surface.signature_problems(spec, lambda a, b=2: None)  # default changed
    assert api_surface.signature_problems(spec, lambda a: None)  # b missing
    assert api_surface.signature_problems(spec, lambda a, b=1, *, c: None)  # new required keyword
    assert api_surface.signature_problems(spec, lambda a, **kw: None) == []  # optional b by keyword
    assert api_surface.signature_problems(spec + [{"name": "kw", "kind": "VAR_KEYWORD"}], lambda a, b=1: None)
