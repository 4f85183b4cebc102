"""The two ways to install (pip with pyproject.toml, conda with environment.yml)
must list the same packages with the same version constraints."""

import re
import tomllib

import yaml

from cs231n.paths import REPO_ROOT

# conda-forge names that differ from the PyPI names.
CONDA_TO_PYPI = {}
# Build-time or conda-only entries with no pyproject dependency counterpart.
CONDA_ONLY = {"python", "pip", "setuptools", "cython"}


def _split(req: str) -> tuple[str, str]:
    """'numpy>=1.26; marker' -> ('numpy', '>=1.26')."""
    req = req.split(";")[0].strip()
    m = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", req)
    assert m, f"cannot parse requirement {req!r}"
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pyproject_requirements() -> dict[str, str]:
    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        reqs += extra
    return dict(_split(r) for r in reqs)


def _conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for req in dep["pip"]:
                if not req.startswith("-e"):
                    out.update([_split(req)])
            continue
        name, spec = _split(dep)
        if name in CONDA_ONLY:
            continue
        out[CONDA_TO_PYPI.get(name, name)] = spec
    return out


def test_environment_yml_matches_pyproject():
    pip, conda = _pyproject_requirements(), _conda_requirements()
    assert set(pip) == set(conda), (
        f"only in pyproject.toml: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}"
    )
    differ = {k: (pip[k], conda[k]) for k in pip if pip[k] != conda[k]}
    assert not differ, f"version constraints differ (pyproject, conda): {differ}"


def test_build_requirements_match_environment():
    build = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    names = {_split(r)[0] for r in build}
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    conda = {_split(d)[0] for d in env["dependencies"] if isinstance(d, str)}
    assert names - {"wheel"} <= conda, (
        f"build requirements missing from environment.yml: {names - conda}"
    )


def test_torch_is_pinned_exactly():
    # Any range would pull the CUDA build (several GB); the CPU build is 2.13.0.
    assert _pyproject_requirements()["torch"] == "==2.13.0"
