"""Sphinx configuration of the torch_mimicry documentation.

Built by ``make docs`` (``sphinx-build -W --keep-going``: any warning fails the build, then the
coverage builder fails on any public name without documentation) and by Read the Docs
(``.readthedocs.yaml``, same configuration).

The API reference is generated on every build: :func:`write_api_pages` walks the package and
writes one page per public module (``api/<module>.rst``), whose autosummary tables make one
page per public function and class. A module added to the package gets its pages without
any edit here.
"""
import importlib
import inspect
import os
import pkgutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the checkout's package, also when it is not installed

from torch_mimicry.version import __version__  # noqa: E402

project = "torch_mimicry"
author = "The torch_mimicry authors"
copyright = "2026, The torch_mimicry authors"
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.coverage",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = ["_build"]

autosummary_generate = True
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_mock_imports = ["tensorflow"]
napoleon_google_docstring = True
napoleon_numpy_docstring = False
myst_heading_anchors = 3

html_theme = "alabaster"
html_title = f"torch_mimicry {__version__}"

# The coverage builder (second step of ``make docs``) warns about every public function,
# class and method of a public module that has no documentation.
coverage_modules = ["torch_mimicry"]
coverage_ignore_modules = [r"(^|.*\.)_"]  # private modules (``_checks``, ``_tf_worker``)
coverage_show_missing_items = True
coverage_statistics_to_stdout = False

PACKAGE = "torch_mimicry"
API_DIR = os.path.join(HERE, "api")


def _public_modules(package_name):
    """Names of the package and of all its public submodules, depth first, sorted."""
    names = [package_name]
    package = importlib.import_module(package_name)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            child = f"{package_name}.{info.name}"
            names.extend(_public_modules(child) if info.ispkg else [child])
    return names


def _defined_here(module):
    """``{'Functions': [...], 'Classes': [...], 'Exceptions': [...]}``: public objects whose home is ``module``."""
    groups = {"Functions": [], "Classes": [], "Exceptions": []}
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isclass(obj):
            groups["Exceptions" if issubclass(obj, BaseException) else "Classes"].append(name)
        elif inspect.isfunction(obj):
            groups["Functions"].append(name)
    return groups


def _home(obj):
    """Full dotted name of the place that defines ``obj``, or ``None`` for data."""
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return f"{obj.__module__}.{obj.__qualname__}"
    if inspect.ismodule(obj):
        return obj.__name__
    return None


def _module_page(name, submodules):
    module = importlib.import_module(name)  # the module itself, even where a package attribute shadows its name
    lines = [name.replace("_", r"\_"), "=" * (len(name) + name.count("_")), "", f".. automodule:: {name}", ""]
    for title, members in _defined_here(module).items():
        if members:
            lines += [f".. rubric:: {title}", "", ".. autosummary::", "   :toctree: .", "   :nosignatures:", ""]
            lines += [f"   {member}" for member in members] + [""]  # automodule set the current module
    exported = [n for n in getattr(module, "__all__", ()) if not n.startswith("__")]
    reexports = [(n, _home(getattr(module, n))) for n in exported if hasattr(module, n)]
    reexports = [(n, home) for n, home in reexports if home and home != f"{name}.{n}"]
    if reexports:
        lines += [".. rubric:: Names exported here", ""]
        lines += [f"- ``{name}.{n}``: :py:obj:`{home}`" for n, home in reexports] + [""]
    if submodules:
        lines += [".. rubric:: Submodules", "", ".. toctree::", "   :maxdepth: 1", ""]
        lines += [f"   {child}" for child in submodules] + [""]
    return "\n".join(lines)


def write_api_pages(package_name=PACKAGE, folder=API_DIR):
    """Writes ``folder/<module>.rst`` for the package and each public submodule.

    Pages whose text is unchanged are left alone (so Sphinx does not read them again), and
    pages of modules that no longer exist are removed.
    """
    names = _public_modules(package_name)
    os.makedirs(folder, exist_ok=True)
    pages = {name + ".rst": _module_page(name, [n for n in names if n.rpartition(".")[0] == name]) for name in names}
    objects = {f"{name}.{member}.rst" for name in names
               for members in _defined_here(importlib.import_module(name)).values() for member in members}
    for entry in os.listdir(folder):  # autosummary writes the object pages; stale ones go
        if entry not in pages and entry not in objects:
            os.remove(os.path.join(folder, entry))
    for entry, text in pages.items():
        path = os.path.join(folder, entry)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


write_api_pages()
