"""The numeric core imports only numpy, scipy, the standard library and itself."""

import ast
import sys
from pathlib import Path

import pytest

import skmlp

PACKAGE = Path(skmlp.__file__).parent
ALLOWED_THIRD_PARTY = {"numpy", "scipy"}


def _imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level


def _violations(directory, allowed, within_level):
    bad = []
    for path in sorted(directory.rglob("*.py")):
        for module, level in _imported_modules(path):
            top = module.split(".")[0]
            if level == 0 and top not in allowed and top not in sys.stdlib_module_names:
                bad.append(f"{path.name}: import {module}")
            if level > within_level:
                bad.append(f"{path.name}: relative import beyond its package ({'.' * level}{module})")
    return bad


def test_core_imports_only_numpy_scipy_and_itself():
    assert _violations(PACKAGE / "_core", ALLOWED_THIRD_PARTY, within_level=1) == []


@pytest.mark.parametrize("module", ["_training.py", "_lbfgs.py"])
def test_training_layer_does_not_import_scikit_learn_or_the_estimator(module):
    path = PACKAGE / module
    allowed = ALLOWED_THIRD_PARTY | set(sys.stdlib_module_names)
    bad = [m for m, level in _imported_modules(path) if level == 0 and m.split(".")[0] not in allowed]
    assert bad == []
    assert not any(m.startswith(("_classifier", "_callbacks")) for m, _ in _imported_modules(path))


def test_the_check_catches_a_forbidden_import(tmp_path):
    (tmp_path / "bad.py").write_text("import numpy\nfrom sklearn.utils import check_array\nfrom .. import x\n")
    assert _violations(tmp_path, ALLOWED_THIRD_PARTY, within_level=1) == [
        "bad.py: import sklearn.utils",
        "bad.py: relative import beyond its package (..)",
    ]


def test_nothing_imports_sklearn_neural_network():
    for path in PACKAGE.rglob("*.py"):
        assert "sklearn.neural_network" not in {m for m, _ in _imported_modules(path)}, path
