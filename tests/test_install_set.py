"""`make install` installs what training, export and serving import, and nothing else."""

import json
import os
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .test_data import uci_zip

REPO = Path(__file__).resolve().parents[1]

# Run apart, in a fresh interpreter: what the product's code paths import, as files. A small
# fit and export (as `make train export`, TensorFlow imported as the CLI does), the dev
# server answering a request, and the pen digits' download unpacking a .Z archive. The test
# tools' packages cannot be imported, as in the `make serve` venv: TensorFlow and requests
# would take SciPy and PySocks when there, and do without.
CODE_PATHS = """
import json, sys
from pathlib import Path
before = set(sys.modules)  # the interpreter's own start-up (site, .pth files)
mnist, pen_url, scratch, absent = sys.argv[1:5]
class Absent:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in absent.split(","):
            raise ModuleNotFoundError(f"No module named {name!r} (not in the make serve venv)", name=name)
sys.meta_path.insert(0, Absent)
from digitpad import data
from digitpad.cli import quiet_tensorflow
from digitpad.export import export
from digitpad.recipe import Recipe
from digitpad.server import create_app
from digitpad.train import train
quiet_tensorflow()
train(mnist, Path(scratch) / "build", Recipe(epochs=1), limit=2000, verbose=0)
export(Path(scratch) / "build", Path(scratch) / "web")
assert create_app({"TESTING": True, "SITE_ROOT": Path(scratch) / "web"}).test_client().get("/model/model.json").status_code == 200
data.PEN_DIGITS_URL = pen_url
try:
    data._download_pen_digits(Path(scratch) / "pendigits")
except data.DataError as exc:  # unpacked, then refused: not UCI's file
    assert "not the published file" in str(exc), exc
print(json.dumps(sorted({m.__file__ for name, m in list(sys.modules.items())
                         if name not in before and getattr(m, "__file__", None)})))
"""


def installed_by_make_install():
    """The distributions `make install` puts in the venv (besides pip and what `python -m venv`
    brings): pyproject.toml's dependencies with theirs, and requirements-no-deps.txt alone."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = (REPO / "requirements-no-deps.txt").read_text().splitlines()
    alone = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    found, todo = set(), [Requirement(r) for r in project["dependencies"]]
    while todo:
        req = todo.pop()
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name in found:
            continue
        found.add(name)
        for sub in metadata.requires(req.name) or []:
            sub = Requirement(sub)
            # Extra-only requirements count when the requirement asked for that extra.
            if not sub.marker or any(sub.marker.evaluate({"extra": e}) for e in req.extras | {""}):
                todo.append(Requirement(str(sub).split(";")[0]))
    return found | {canonicalize_name(r.name) for r in alone if not r.marker or r.marker.evaluate()}


# What `python -m venv` installs by itself, and make install leaves: the installer (and on
# Python 3.11 setuptools).
VENV_OWN = {"pip", "setuptools"}


def owners():
    """Installed file (resolved) -> the distribution that installed it."""
    return {os.path.realpath(dist.locate_file(f)): canonicalize_name(dist.metadata["Name"])
            for dist in metadata.distributions() for f in dist.files or ()}


def test_the_install_set_is_what_the_docs_list():
    """pyproject.toml and requirements-no-deps.txt name every package with the pin that
    constraints.txt repeats, and constraints.txt pins none of those issue 30 dropped."""
    pins = {canonicalize_name(Requirement(line).name): line.split("==")[1]
            for line in (REPO / "constraints.txt").read_text().split()}
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = (REPO / "requirements-no-deps.txt").read_text().splitlines()
    named = [Requirement(r) for r in project["dependencies"] + sum(project["optional-dependencies"].values(), [])]
    named += [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    for req in named:
        assert str(req.specifier) == f"=={pins.get(canonicalize_name(req.name))}", req
    for gone in ("keras", "libclang", "grpcio", "google-pasta", "rich", "optree", "namex",
                 "markdown-it-py", "mdurl", "setuptools", "wheel"):
        assert gone not in pins, f"constraints.txt pins {gone}, which no install step installs"


@pytest.mark.slow  # TensorFlow, in a new process
def test_make_install_installs_only_what_a_code_path_imports(tmp_path, mnist_dir):
    """Fails when the serve venv holds a package nothing imports, or when a code path imports
    one that `make install` does not install (a new TensorFlow's new import, say: the
    test tools' packages would hide that here, so they are made unimportable)."""
    pen_url = uci_zip(tmp_path, b"not UCI's file\n")
    installed = installed_by_make_install() - {"digitpad"}
    absent = {top for top, dists in metadata.packages_distributions().items()
              if not {canonicalize_name(d) for d in dists} & (installed | VENV_OWN | {"digitpad"})}
    result = subprocess.run([sys.executable, "-c", CODE_PATHS, str(mnist_dir), pen_url, str(tmp_path), ",".join(absent)],
                            capture_output=True, text=True, timeout=900, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(REPO / "python")})
    assert result.returncode == 0, result.stderr[-3000:]
    by_file = owners()
    imported = {by_file[os.path.realpath(f)] for f in json.loads(result.stdout.splitlines()[-1])
                if os.path.realpath(f) in by_file}  # not the standard library, nor digitpad (editable)
    assert installed - imported == set(), "installed by make install, imported by no code path"
    assert imported - installed - VENV_OWN == set(), "imported, but not installed by make install"
