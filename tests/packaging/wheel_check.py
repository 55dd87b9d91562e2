"""Installs the built wheel into a fresh virtual environment and runs ``installed_smoke.py`` there.

    python tests/packaging/wheel_check.py dist/

The environment is new each time (in a temporary folder, removed afterwards) and holds only
what ``pip install <wheel>`` brings: the wheel's own declared dependencies, constrained to the
tested pins of ``requirements.txt`` (``-c``: a constraint installs nothing by itself, so a
dependency missing from the wheel's metadata fails the check). pip's configuration is the
machine's, so wheels available locally (torch, torchvision) are taken from there. The smoke
script is copied next to the environment and run with ``python -I`` from there: no checkout,
no ``PYTHONPATH`` and no user site on the path. Prints the wall-clock and CPU time of each
phase.
"""
import glob
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _run(cmd, **kwargs):
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)


class _Phases:
    """Wall-clock and CPU seconds (of this process's children) of each phase, for the summary."""

    def __init__(self):
        self.done = []

    def __call__(self, name, fn):
        wall, cpu = time.time(), self._cpu()
        fn()
        self.done.append(f"{name} {time.time() - wall:.0f} s (CPU {self._cpu() - cpu:.0f} s)")

    @staticmethod
    def _cpu():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime


def main(dist_dir):
    wheels = glob.glob(os.path.join(dist_dir, "torch_mimicry-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"expected one torch_mimicry wheel in {dist_dir!r}, found {wheels or 'none'}: run `make dist` first")
    wheel = os.path.abspath(wheels[0])
    work = tempfile.mkdtemp(prefix="mimicry_wheel_check_")
    venv = os.path.join(work, "venv")
    python = os.path.join(venv, "bin", "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.setdefault("OMP_NUM_THREADS", "2")
    # The base interpreter, not this environment's: the new environment starts empty.
    base = getattr(sys, "_base_executable", sys.executable)
    phases = _Phases()
    try:
        phases("new environment", lambda: _run([base, "-m", "venv", venv], env=env))
        # --no-compile: the smoke run compiles the few modules it imports; pip would compile all.
        phases("install", lambda: _run([python, "-m", "pip", "install", "--quiet", "--no-compile",
                                        "--disable-pip-version-check", wheel,
                                        "-c", os.path.join(ROOT, "requirements.txt")], env=env, cwd=work))
        smoke = shutil.copy(os.path.join(HERE, "installed_smoke.py"), work)
        phases("smoke run", lambda: _run([python, "-I", smoke], env=env, cwd=work))
    finally:
        # Removing the environment's 5 GB takes as long as writing them: done in the background.
        subprocess.Popen(["rm", "-rf", work], start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    print("wheel check passed: " + ", ".join(phases.done) + f"; {work} is being removed in the background")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dist")
