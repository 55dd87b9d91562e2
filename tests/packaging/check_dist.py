"""Checks the contents of the built sdist and wheel.

    python tests/packaging/check_dist.py dist/

The sdist carries what a downstream packager needs (license, README, changelog, requirements,
the build configuration, the tests with their fixtures, the docs and examples); the wheel carries
the package with its ``py.typed`` marker and nothing from the checkout beside it; both have
the version of ``torch_mimicry/version.py``.
"""
import glob
import os
import re
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDIST_FILES = ("LICENSE", "README.md", "CHANGELOG.md", "MANIFEST.in", "pyproject.toml", "setup.py",
               "requirements.txt", "requirements-test.txt", "docs/requirements.txt", "docs/conf.py",
               "benchmarks/RESULTS.md", "examples/ssgan_tutorial.py", "tests/conftest.py",
               "tests/packaging/installed_smoke.py", "torch_mimicry/py.typed",
               "torch_mimicry/metrics/weights/digit_classifier.pth", "tools/train_digit_classifier.py")


def version():
    with open(os.path.join(ROOT, "torch_mimicry", "version.py")) as f:
        return re.search(r"__version__\s*=\s*[\"']([^\"']+)", f.read()).group(1)


def tracked(pattern):
    return sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, pattern), recursive=True))


def one(dist_dir, pattern):
    found = glob.glob(os.path.join(dist_dir, pattern))
    if len(found) != 1:
        sys.exit(f"expected one {pattern} in {dist_dir!r}, found {found or 'none'}")
    return found[0]


def main(dist_dir):
    v = version()
    errors = []
    sdist = one(dist_dir, "torch_mimicry-*.tar.gz")
    if not os.path.basename(sdist) == f"torch_mimicry-{v}.tar.gz":
        errors.append(f"sdist {os.path.basename(sdist)} does not carry version {v}")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for required in SDIST_FILES + tuple(tracked("tests/**/*.py")) + tuple(tracked("tests/fixtures/**/*.pth")):
        if required not in names:
            errors.append(f"sdist lacks {required}")
    for stray in ("docs/_build", "docs/api", ".venv", "dist"):
        if any(n == stray or n.startswith(stray + "/") for n in names):
            errors.append(f"sdist carries {stray}/ (a build output)")

    wheel = one(dist_dir, "torch_mimicry-*.whl")
    if not os.path.basename(wheel).startswith(f"torch_mimicry-{v}-"):
        errors.append(f"wheel {os.path.basename(wheel)} does not carry version {v}")
    with zipfile.ZipFile(wheel) as zf:
        wnames = set(zf.namelist())
        metadata = zf.read(f"torch_mimicry-{v}.dist-info/METADATA").decode()
    for data in ("torch_mimicry/py.typed", "torch_mimicry/metrics/weights/digit_classifier.pth"):
        if data not in wnames:
            errors.append(f"wheel lacks {data}")
    modules = tracked("torch_mimicry/**/*.py")
    errors += [f"wheel lacks {m}" for m in modules if m not in wnames]
    outside = sorted({n.split("/")[0] for n in wnames} - {"torch_mimicry", f"torch_mimicry-{v}.dist-info"})
    if outside:
        errors.append(f"wheel installs more than the package: {outside}")
    for requirement in ("torch", "torchvision", "numpy", "scipy", "tensorboard", "pillow"):
        if not re.search(rf"^Requires-Dist: {requirement}\b", metadata, flags=re.M | re.I):
            errors.append(f"wheel metadata does not require {requirement}")
    if errors:
        sys.exit("distribution check failed:\n  " + "\n  ".join(errors))
    print(f"distribution contents OK: {os.path.basename(sdist)} ({len(names)} files), "
          f"{os.path.basename(wheel)} ({len(wnames)} files)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dist")
