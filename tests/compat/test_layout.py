"""The house: ``nets/dcgan`` holds DCGAN alone, the shared ResNet backbone and the 0.1.16 key
mapping have homes of their own, and ``metrics`` has no import circle (the formula modules
import nothing of the pipeline). Checked on the module-level imports of the source files."""
import ast
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "torch_mimicry")


def _module_name(path):
    rel = os.path.relpath(path, os.path.dirname(PACKAGE))[:-len(".py")].replace(os.sep, ".")
    return rel[:-len(".__init__")] if rel.endswith(".__init__") else rel


def _sources(folder=PACKAGE):
    for root, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".py"):
                yield os.path.join(root, f)


def _module_level_imports(path, anywhere=False):
    """Modules a file imports at module level (or ``anywhere``: also inside functions), as dotted names."""
    tree = ast.parse(open(path).read())
    names = set()
    for node in (ast.walk(tree) if anywhere else tree.body):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _graph(prefix, anywhere=False):
    modules = {_module_name(p): p for p in _sources()}
    graph = {}
    for name, path in modules.items():
        if name.startswith(prefix):
            graph[name] = {m for m in _module_level_imports(path, anywhere)
                           if m in modules and m.startswith(prefix) and m != name}
    return graph


def _cycle(graph):
    """A list of modules forming an import cycle, or None. Importing a package's submodule
    runs the package first, which is not a cycle of the submodule's own making; edges from a
    module to its own parent packages are ignored."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if node.startswith(nxt + "."):
                continue
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, stack + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


def test_metrics_has_no_import_circle():
    """Also not through imports deferred into functions (the formula modules once imported the
    scoring pipeline inside their 0.1.16-style wrappers while the pipeline imported them)."""
    assert _cycle(_graph("torch_mimicry.metrics", anywhere=True)) is None


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("formula", ["torch_mimicry.metrics.fid", "torch_mimicry.metrics.kid",
                                     "torch_mimicry.metrics.iscore"])
def test_formula_modules_are_pure(formula):
    path = {_module_name(p): p for p in _sources()}[formula]
    library = {m for m in _module_level_imports(path, anywhere=True) if m.startswith("torch_mimicry")}
    assert library <= {"torch_mimicry.metrics._checks", "torch_mimicry.metrics._checks.as_float64_2d",
                       "torch_mimicry.metrics._checks.check_same_dim",
                       "torch_mimicry.metrics._checks.Features"}, library


def test_dcgan_folder_holds_dcgan_only():
    folder = os.path.join(PACKAGE, "nets", "dcgan")
    for path in _sources(folder):
        tree = ast.parse(open(path).read())
        for node in tree.body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                assert node.name.startswith("DCGAN"), f"{path}: {node.name} is not DCGAN's"
    others = [p for p in _sources(os.path.join(PACKAGE, "nets"))
              if not p.startswith(folder) and _module_name(p) != "torch_mimicry.nets"]  # (nets exports dcgan)
    for path in others:
        assert not any(m.startswith("torch_mimicry.nets.dcgan") for m in _module_level_imports(path)), path


def test_shared_pieces_have_homes_of_their_own():
    from torch_mimicry.nets import resnet_backbone
    from torch_mimicry.nets.basemodel import original_checkpoints
    assert callable(resnet_backbone.build_generator) and callable(resnet_backbone.resnet_features)
    assert callable(original_checkpoints.convert_buffered_spectral_norm)
