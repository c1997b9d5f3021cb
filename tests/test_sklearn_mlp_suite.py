"""scikit-learn's own MLP tests, run against skmlp's estimators.

The installed scikit-learn ships ``sklearn/neural_network/tests/test_mlp.py``.
This module imports that file (nothing of it is copied here) while
``sklearn.neural_network`` temporarily exposes skmlp's classes under
scikit-learn's names, so the upstream module, including its
``@pytest.mark.parametrize`` lists, binds ``MLPClassifier`` (and
``MLPRegressor``, once skmlp has one) to skmlp. Its test functions are then
re-exposed here, so that each upstream test is an item of our normal run:
``tests/test_sklearn_mlp_suite.py::test_fit`` and so on.

What does not run, and why, is in the tables below, keyed by test name (the
function's name, or ``name[param-id]`` for one parametrisation; never line
numbers, since the file differs between scikit-learn versions).
:func:`mark_collected_item` applies them; ``tests/conftest.py`` calls it for
every item collected from this module.
"""

import importlib
import importlib.util
import os
import sys
import types

import pytest
import sklearn.neural_network

import skmlp

_UPSTREAM = "sklearn.neural_network.tests.test_mlp"
_NO_REGRESSOR = "skmlp has no MLPRegressor yet"

# Tests that cannot pass against skmlp by design; skipped with these reasons.
# (a) they read scikit-learn's private attributes; (b) they rely on
# scikit-learn's partial_fit running a whole epoch, while skmlp's partial_fit
# is exactly one mini-batch step per call. (d), the tests of MLPRegressor while
# skmlp has none, are found by _uses_missing_regressor rather than listed.
DESELECTED = {}

# Real incompatibilities of skmlp: expected to fail until fixed (strict, so a
# fix shows as XPASS and the entry must be removed).
XFAIL = {}


class _MissingMLPRegressor:
    """Stands for skmlp's MLPRegressor until there is one.

    The tests that use it are skipped at collection; should one slip through,
    it fails here instead of quietly testing scikit-learn's own regressor.
    """

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_NO_REGRESSOR)


_SWAPPED = {
    "MLPClassifier": skmlp.MLPClassifier,
    "MLPRegressor": getattr(skmlp, "MLPRegressor", _MissingMLPRegressor),
}


def _import_swapped_upstream():
    """Import scikit-learn's test module with skmlp's classes in its names.

    The module is imported through the normal import system, so that pytest
    rewrites its asserts; ``sys.modules`` and ``sklearn.neural_network`` are
    left as they were.
    """
    previous_module = sys.modules.pop(_UPSTREAM, None)
    originals = {name: getattr(sklearn.neural_network, name) for name in _SWAPPED}
    try:
        for name, cls in _SWAPPED.items():
            setattr(sklearn.neural_network, name, cls)
        module = importlib.import_module(_UPSTREAM)
    finally:
        for name, cls in originals.items():
            setattr(sklearn.neural_network, name, cls)
        if previous_module is None:
            sys.modules.pop(_UPSTREAM, None)
        else:
            sys.modules[_UPSTREAM] = previous_module
    for name, cls in _SWAPPED.items():
        if getattr(module, name) is not cls:
            raise RuntimeError(f"{_UPSTREAM} did not take skmlp's {name}; it no longer "
                               f"imports it from sklearn.neural_network")
    return module


if importlib.util.find_spec(_UPSTREAM) is None:  # pragma: no cover - tests not installed
    pytest.skip(f"this scikit-learn was installed without its tests ({_UPSTREAM})",
                allow_module_level=True)

_upstream = _import_swapped_upstream()
globals().update({name: value for name, value in vars(_upstream).items()
                  if name.startswith("test_") and callable(value)})


def pytest_generate_tests(metafunc):
    """Parametrise ``global_random_seed`` as scikit-learn's conftest does.

    Seed 42 by default; ``SKLEARN_TESTS_GLOBAL_RANDOM_SEED`` may name one seed
    (``"7"``), a range (``"0-3"``) or ``"all"`` (0 to 99).
    """
    if "global_random_seed" not in metafunc.fixturenames:
        return
    setting = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED", "42")
    if setting == "all":
        seeds = list(range(100))
    else:
        first, _, last = setting.partition("-")
        seeds = list(range(int(first), int(last or first) + 1))
    metafunc.parametrize("global_random_seed", seeds)


def _code_names(code):
    """Global names a function's code (and its nested code) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _uses_missing_regressor(item):
    """Whether the test needs the MLPRegressor that skmlp does not have yet."""
    if _SWAPPED["MLPRegressor"] is not _MissingMLPRegressor:
        return False
    params = getattr(item, "callspec", None)
    params = params.params.values() if params is not None else ()
    if any(value is _MissingMLPRegressor for value in params):
        return True
    estimator_param = any(value is skmlp.MLPClassifier for value in params)
    return not estimator_param and "MLPRegressor" in _code_names(item.function.__code__)


def mark_collected_item(item):
    """Skip or xfail one collected upstream test according to the tables."""
    if _uses_missing_regressor(item):
        item.add_marker(pytest.mark.skip(reason=_NO_REGRESSOR))
        return
    for key in (item.name, item.originalname):
        if key in DESELECTED:
            item.add_marker(pytest.mark.skip(reason=DESELECTED[key]))
            return
        if key in XFAIL:
            item.add_marker(pytest.mark.xfail(strict=True, reason=XFAIL[key]))
            return
