"""CI has one source of truth: .ci/run and .circleci/config.yml both run `make test`, the
README's test command, and `make test` runs every check (type check, docs, tests, wheel check);
Read the Docs builds with the Sphinx configuration and warning policy of `make docs`."""
import os
import re

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def _read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def _make_targets():
    return set(re.findall(r"^([A-Za-z][\w-]*):", _read("Makefile"), flags=re.M))


def test_ci_run_is_the_readme_test_command():
    commands = [line.strip() for line in _read(".ci/run").splitlines()
                if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))]
    assert commands == ["make test"]
    assert "make test" in _read("README.md")


def test_make_test_runs_every_check():
    prerequisites = re.search(r"^test:(.*)$", _read("Makefile"), flags=re.M).group(1).split()
    assert set(prerequisites) == {"typecheck", "docs", "unit", "wheel-check"}
    assert set(prerequisites) <= _make_targets()
    assert "-W --keep-going" in _read("Makefile")


def test_circleci_runs_the_same_make_command():
    config = yaml.safe_load(_read(".circleci/config.yml"))
    runs = [step["run"]["command"] if isinstance(step["run"], dict) else step["run"]
            for job in config["jobs"].values() for step in job["steps"]
            if isinstance(step, dict) and "run" in step]
    assert runs == ["make test"]
    workflow_jobs = [j if isinstance(j, str) else next(iter(j)) for w in config["workflows"].values()
                     if isinstance(w, dict) for j in w["jobs"]]
    assert set(workflow_jobs) == set(config["jobs"])


def test_read_the_docs_builds_as_make_docs():
    config = yaml.safe_load(_read(".readthedocs.yaml"))
    assert config["sphinx"] == {"configuration": "docs/conf.py", "fail_on_warning": True}
    install = " ".join(config["build"]["jobs"]["post_create_environment"])
    assert "-r requirements.txt" in install and "-r docs/requirements.txt" in install
    assert "-r docs/requirements.txt" in _read("requirements-test.txt")
