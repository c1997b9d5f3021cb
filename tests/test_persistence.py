"""Saving and loading fitted models: the version stamp, and safe loading with skops.io.

The pickle and joblib round trips (same predictions, training goes on, a new
process) are tested in ``test_classifier.py``. Here: a model saved by another
skmlp version warns, and ``skops.io`` (the ``skops`` extra) saves and loads a
model without pickle, trusting only skmlp's own types, which are listed
explicitly below (and in ``docs/user_guide/persistence.rst``).
"""

import pickle
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import skmlp._base
from skmlp import MLPClassifier
from skmlp.exceptions import InconsistentVersionWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ROOT = Path(__file__).resolve().parent.parent

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 4))
TARGETS = {
    "binary": np.arange(60) % 2,
    "multiclass": np.array(["ant", "bee", "cat"])[np.arange(60) % 3],
    "multilabel": (rng.random((60, 3)) < 0.5).astype(int),
}

# What skops does not trust by default in a fitted MLPClassifier: skmlp's own
# classes, nothing else (NumPy arrays and Generators, builtins and
# scikit-learn's LabelBinarizer are types skops trusts). The optimizer is
# there for the stochastic solvers only; L-BFGS keeps no optimizer object.
SKMLP_TYPES = {
    "skmlp._classifier.MLPClassifier",
    "skmlp._training.Trainer",
    "skmlp._training.History",
    "skmlp._core.network.ParameterLayout",
}
OPTIMIZER_TYPES = {"sgd": {"skmlp._core.optimizers.SGD"},
                   "adam": {"skmlp._core.optimizers.Adam"},
                   "lbfgs": set()}
ALL_TRUSTED = SKMLP_TYPES.union(*OPTIMIZER_TYPES.values())


@pytest.fixture
def sio():
    return pytest.importorskip("skops.io")


def _fitted(solver="adam", target="binary", dtype=np.float64, **params):
    params = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0,
              "learning_rate_init": 0.01, **params}
    return MLPClassifier(solver=solver, **params).fit(X.astype(dtype), TARGETS[target])


def _skops_round_trip(sio, clf, path):
    sio.dump(clf, path)
    untrusted = sio.get_untrusted_types(file=path)
    return sio.load(path, trusted=untrusted), untrusted


def _assert_same_model(a, b, X):
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    for name in ("coefs_", "intercepts_"):
        for left, right in zip(getattr(a, name), getattr(b, name), strict=True):
            assert left.dtype == right.dtype
            np.testing.assert_array_equal(left, right)


# ------------------------------------------------------------ version stamp
def test_a_model_from_another_skmlp_version_warns():
    clf = _fitted()
    state = clf.__getstate__()
    state["_skmlp_version"] = "0.0.1"
    restored = MLPClassifier.__new__(MLPClassifier)
    with pytest.warns(InconsistentVersionWarning, match="from skmlp version 0.0.1"):
        restored.__setstate__(state)
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_same_version_loads_silently():
    saved = pickle.dumps(_fitted())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = pickle.loads(saved)
    assert "_skmlp_version" not in vars(restored)


# --------------------------------------------------------------------- skops
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_skops_round_trip_trusts_only_skmlp_types_and_predicts_identically(
        sio, tmp_path, solver, target, dtype):
    clf = _fitted(solver, target, dtype)
    restored, untrusted = _skops_round_trip(sio, clf, tmp_path / "model.skops")
    assert set(untrusted) == SKMLP_TYPES | OPTIMIZER_TYPES[solver]
    assert type(restored) is MLPClassifier
    _assert_same_model(restored, clf, X.astype(dtype))
    np.testing.assert_array_equal(restored.classes_, clf.classes_)
    assert restored.predict_proba(X.astype(dtype)).dtype == dtype
    assert restored.loss_curve_ == clf.loss_curve_
    assert (restored.n_iter_, restored.t_, restored.loss_) == (clf.n_iter_, clf.t_, clf.loss_)
    assert restored.get_params() == clf.get_params()
    assert "_skmlp_version" not in vars(restored)


@pytest.mark.parametrize("params, target", [
    (dict(early_stopping=True, max_iter=15), "multiclass"),
    (dict(class_weight={"ant": 2.0, "bee": 1.0, "cat": 0.5}), "multiclass"),
    (dict(class_weight="balanced", solver="sgd"), "binary"),
    (dict(dropout=[0.2, 0.0], hidden_layer_sizes=[6, 4], solver="sgd"), "binary"),
    (dict(random_state=np.random.RandomState(3)), "binary"),
    (dict(activation="tanh", loss="squared_error", solver="lbfgs"), "multiclass"),
    (dict(learning_rate="adaptive", solver="sgd", nesterovs_momentum=False), "binary"),
])
def test_skops_needs_no_other_types_for_any_configuration(sio, tmp_path, params, target):
    clf = _fitted(target=target, **params)
    restored, untrusted = _skops_round_trip(sio, clf, tmp_path / "model.skops")
    assert set(untrusted) <= ALL_TRUSTED, sorted(set(untrusted) - ALL_TRUSTED)
    _assert_same_model(restored, clf, X)


def test_skops_keeps_pandas_feature_names(sio, tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(
        frame, TARGETS["binary"])
    restored, untrusted = _skops_round_trip(sio, clf, tmp_path / "model.skops")
    assert set(untrusted) <= ALL_TRUSTED
    np.testing.assert_array_equal(restored.feature_names_in_, clf.feature_names_in_)
    np.testing.assert_array_equal(restored.predict_proba(frame), clf.predict_proba(frame))


def test_skops_pipeline_needs_no_other_types(sio, tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(5,), max_iter=5,
                                                         solver="sgd", random_state=0))
    pipe.fit(X, TARGETS["multiclass"])
    path = tmp_path / "pipeline.skops"
    sio.dump(pipe, path)
    assert set(sio.get_untrusted_types(file=path)) <= ALL_TRUSTED
    restored = sio.load(path, trusted=sorted(ALL_TRUSTED))
    np.testing.assert_array_equal(restored.predict_proba(X), pipe.predict_proba(X))


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_skops_loaded_model_trains_on_like_a_pickled_copy(sio, tmp_path, solver, target):
    # Dropout makes the steps draw from the trainer's Generator, so this also
    # checks that its state survives the round trip.
    clf = _fitted(solver, target, dropout=0.25, learning_rate="invscaling")
    from_skops, _ = _skops_round_trip(sio, clf, tmp_path / "model.skops")
    from_pickle = pickle.loads(pickle.dumps(clf))
    Y = TARGETS[target]
    for start in range(0, 60, 15):
        for model in (clf, from_skops, from_pickle):
            model.partial_fit(X[start:start + 15], Y[start:start + 15])
    _assert_same_model(from_skops, from_pickle, X)
    _assert_same_model(from_skops, clf, X)
    assert from_skops.n_iter_ == from_pickle.n_iter_ == clf.n_iter_
    assert from_skops.t_ == from_pickle.t_ == clf.t_
    assert np.shares_memory(from_skops.coefs_[0], from_skops._trainer.params)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_skops_loaded_model_continues_a_warm_start_fit_like_a_pickled_copy(
        sio, tmp_path, solver):
    clf = _fitted(solver, "multiclass")
    from_skops, _ = _skops_round_trip(sio, clf, tmp_path / "model.skops")
    from_pickle = pickle.loads(pickle.dumps(clf))
    for model in (clf, from_skops, from_pickle):
        model.set_params(warm_start=True, max_iter=3).fit(X, TARGETS["multiclass"])
    _assert_same_model(from_skops, from_pickle, X)
    _assert_same_model(from_skops, clf, X)  # and both like the model never saved


@pytest.mark.parametrize("trusted", [None, [], sorted(SKMLP_TYPES)])
def test_skops_refuses_to_load_untrusted_types(sio, tmp_path, trusted):
    from skops.io.exceptions import UntrustedTypesFoundException

    path = tmp_path / "model.skops"
    sio.dump(_fitted("adam"), path)
    # Trusting every skmlp type but the optimizer is not enough either.
    missing = "skmlp._core.optimizers.Adam" if trusted else "skmlp._classifier.MLPClassifier"
    with pytest.raises(UntrustedTypesFoundException, match=re.escape(missing)):
        sio.load(path, trusted=trusted)


def test_skops_file_loads_in_a_new_process(sio, tmp_path):
    clf = _fitted("sgd", "multiclass")
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    np.save(tmp_path / "X.npy", X)
    code = textwrap.dedent(f"""
        import numpy as np
        import skops.io as sio
        clf = sio.load({str(path)!r}, trusted={sorted(ALL_TRUSTED)!r})
        X = np.load({str(tmp_path / 'X.npy')!r})
        np.save({str(tmp_path / 'proba.npy')!r}, clf.predict_proba(X))
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))


def test_skops_file_from_another_skmlp_version_warns(sio, tmp_path, monkeypatch):
    clf = _fitted()
    path = tmp_path / "model.skops"
    with monkeypatch.context() as patch:
        patch.setattr(skmlp._base, "__version__", "0.0.1")
        sio.dump(clf, path)
    with pytest.warns(InconsistentVersionWarning, match="from skmlp version 0.0.1"):
        restored = sio.load(path, trusted=sorted(ALL_TRUSTED))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_skops_file_from_this_version_loads_silently(sio, tmp_path):
    path = tmp_path / "model.skops"
    sio.dump(_fitted(), path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sio.load(path, trusted=sorted(ALL_TRUSTED))


def test_callbacks_are_saved_with_the_model_unless_removed(sio, tmp_path):
    callback = pytest.importorskip("sklearn.callback")
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0)
    clf.set_callbacks(callback.ProgressBar()).fit(X, TARGETS["binary"])
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    assert set(sio.get_untrusted_types(file=path)) - ALL_TRUSTED  # the callback's type
    sio.dump(clf.set_callbacks(), path)  # no callbacks: only skmlp's types again
    assert set(sio.get_untrusted_types(file=path)) <= ALL_TRUSTED


# ---------------------------------------------------------------------- docs
def _python_blocks(rst):
    """The ``.. code-block:: python`` blocks of a reStructuredText page, dedented."""
    blocks = re.findall(r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", rst, re.MULTILINE)
    return [textwrap.dedent(block) for block in blocks]


def test_the_persistence_guide_runs_and_lists_exactly_skmlps_types(sio, tmp_path,
                                                                   monkeypatch):
    page = ROOT / "docs" / "user_guide" / "persistence.rst"
    blocks = _python_blocks(page.read_text())
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)  # the guide writes its files to the working directory
    namespace = {}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)
    # The classifier's types, and the regressor's estimator class for regressors.
    assert sorted(namespace["trusted"]) == sorted(ALL_TRUSTED | {"skmlp._regressor.MLPRegressor"})
    assert type(namespace["loaded"]) is MLPClassifier
