"""Sphinx configuration for the torch_mimicry documentation (``sphinx-build docs docs/_build``)."""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "torch_mimicry"
author = "The torch_mimicry authors"
copyright = "2026, The torch_mimicry authors"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
autodoc_mock_imports = ["tensorflow"]
html_theme = "alabaster"
exclude_patterns = ["_build"]
