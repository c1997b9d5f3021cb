"""The numeric core imports only numpy, scipy, the standard library and itself."""

import ast
import re
import sys
from pathlib import Path

import pytest

import skmlp

PACKAGE = Path(skmlp.__file__).parent
ALLOWED_THIRD_PARTY = {"numpy", "scipy"}
#: The core's compiled half, built from skmlp/_core/_kernels.pyx as a
#: top-level module (see that file's docstring): the core itself.
COMPILED_CORE = "_skmlp_kernels"


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
    allowed = ALLOWED_THIRD_PARTY | {COMPILED_CORE}
    assert _violations(PACKAGE / "_core", allowed, within_level=1) == []


def test_the_compiled_core_imports_only_numpy_cython_and_the_c_library():
    source = (PACKAGE / "_core" / "_kernels.pyx").read_text()
    imported = re.findall(r"^(?:from|c?import)\s+([\w.]+)", source, flags=re.MULTILINE)
    assert imported, "no import found: the pattern is wrong"
    assert sorted({m.split(".")[0] for m in imported} - {"numpy", "cython", "libc"}) == []


def test_only_the_core_imports_the_compiled_core():
    users = sorted(path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
                   if any(m.split(".")[0] == COMPILED_CORE for m, _ in _imported_modules(path)))
    assert users == ["_core/kernels.py"]


TRAINING_LAYER = ["_training.py", "_training_stops.py", "_fitting.py", "_lbfgs.py"]


@pytest.mark.parametrize("module", TRAINING_LAYER)
def test_training_layer_does_not_import_scikit_learn_or_the_estimator(module):
    path = PACKAGE / module
    allowed = ALLOWED_THIRD_PARTY | set(sys.stdlib_module_names)
    bad = [m for m, level in _imported_modules(path) if level == 0 and m.split(".")[0] not in allowed]
    assert bad == []
    assert not any(m.startswith(("_base", "_classifier", "_callbacks")) for m, _ in _imported_modules(path))


def test_the_data_parallel_trainer_imports_dask_but_not_scikit_learn():
    """_dask_training is training layer: Dask is allowed there, scikit-learn and the
    estimators are not; only the estimator-layer modules of skmlp.dask use it."""
    path = PACKAGE / "_dask_training.py"
    allowed = ALLOWED_THIRD_PARTY | {"dask", "distributed"} | set(sys.stdlib_module_names)
    imported = list(_imported_modules(path))
    assert [m for m, level in imported if level == 0 and m.split(".")[0] not in allowed] == []
    assert not any(m.startswith(tuple(ESTIMATOR_LAYER)) for m, level in imported if level)
    graph, external = _import_graph(PACKAGE)
    reached = _reachable(graph, "skmlp._dask_training")
    assert not {m for m in reached if _layer(m) in ESTIMATOR_LAYER}
    assert not any(m.startswith("sklearn") for module in reached for m in external[module])


def test_importing_skmlp_does_not_import_dask():
    graph, _ = _import_graph(PACKAGE)
    reached = _reachable(graph, "skmlp")
    assert not reached & {"skmlp.dask", "skmlp._dask_training", "skmlp._dask_data"}


def test_the_check_catches_a_forbidden_import(tmp_path):
    (tmp_path / "bad.py").write_text("import numpy\nfrom sklearn.utils import check_array\nfrom .. import x\n")
    assert _violations(tmp_path, ALLOWED_THIRD_PARTY, within_level=1) == [
        "bad.py: import sklearn.utils",
        "bad.py: relative import beyond its package (..)",
    ]


def test_nothing_imports_sklearn_neural_network():
    # Any spelling: "import sklearn.neural_network", "from sklearn.neural_network
    # import X" and "from sklearn import neural_network" all count.
    graph, external = _import_graph(PACKAGE)
    for module, imported in external.items():
        assert not any(m.startswith("sklearn.neural_network") for m in imported), module


# ------------------------------------------------- the import graph, transitively
ESTIMATOR_LAYER = {"_base", "_classifier", "_regressor", "_targets", "_callbacks", "plotting",
                   "_persistence", "_calls", "_parameters",
                   "_plot_checks", "dask", "_dask_data",
                   "utils", "__main__", "onnx"}


def _dotted(path, root):
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute_imports(path, root):
    """Every module name an import in ``path`` may refer to, relative ones resolved
    (``from . import x`` yields the package and ``package.x``)."""
    name = _dotted(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def _import_graph(root):
    modules = {_dotted(path, root): path for path in root.rglob("*.py")}
    graph, external = {}, {}
    for name, path in modules.items():
        imported = set(_absolute_imports(path, root))
        graph[name] = {m for m in imported if m in modules and m != name}
        external[name] = {m for m in imported if m.split(".")[0] != root.name}
    return graph, external


def _reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module])
    return seen


def _layer(module):
    """``_core`` for ``skmlp._core.network``, ``""`` for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layering_violations(root, lower_layers):
    graph, external = _import_graph(root)
    allowed = ALLOWED_THIRD_PARTY | {COMPILED_CORE} | set(sys.stdlib_module_names)
    bad = []
    for start in sorted(m for m in graph if _layer(m) in lower_layers):
        for module in sorted(_reachable(graph, start)):
            if _layer(module) in ESTIMATOR_LAYER:
                bad.append(f"{start} reaches {module}")
            bad += [f"{start} reaches {module}, which imports {m}"
                    for m in sorted(external[module]) if m.split(".")[0] not in allowed]
    return bad


def test_core_and_training_never_reach_scikit_learn_or_the_estimator():
    assert _layering_violations(PACKAGE, {"_core", "_training", "_batches", "_training_stops",
                                          "_fitting",
                                          "_lbfgs"}) == []


def test_the_graph_check_follows_relative_and_indirect_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "_core").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "_core" / "__init__.py").write_text("")
    (package / "_core" / "math.py").write_text("from .. import _training\n")
    (package / "_training.py").write_text("from . import utils\n")
    (package / "utils.py").write_text("from sklearn import neural_network\n")
    assert _layering_violations(package, {"_core", "_training"}) == [
        "pkg._core.math reaches pkg.utils",
        "pkg._core.math reaches pkg.utils, which imports sklearn",
        "pkg._core.math reaches pkg.utils, which imports sklearn.neural_network",
        "pkg._training reaches pkg.utils",
        "pkg._training reaches pkg.utils, which imports sklearn",
        "pkg._training reaches pkg.utils, which imports sklearn.neural_network",
    ]


def test_datasets_is_numpy_and_the_standard_library_only():
    """skmlp.datasets reads files: no scikit-learn, no other skmlp module."""
    graph, external = _import_graph(PACKAGE)
    assert graph["skmlp.datasets"] == set()
    allowed = {"numpy"} | set(sys.stdlib_module_names)
    assert sorted(m for m in external["skmlp.datasets"] if m.split(".")[0] not in allowed) == []
