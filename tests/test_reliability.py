"""Bad input, faults during training, concurrency, reproducibility.

Saving and loading (version warnings, skops) is tested in test_persistence.py.
"""

import gc
import pickle
import signal
import subprocess
import sys
import textwrap
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import MLPClassifier
from skmlp.exceptions import (
    DivergenceWarning,
    TrainingInterruptedWarning,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
y = np.arange(40) % 2
X_nan, X_inf = X.copy(), X.copy()
X_nan[0, 0], X_inf[0, 0] = np.nan, np.inf


def _fitted():
    return MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)


NEW = "new"  # a fresh MLPClassifier(); otherwise a fitted one
BAD_INPUT = [
    # (case, model, method, args, kwargs, error, message)
    ("NaN in X", NEW, "fit", (X_nan, y), {}, ValueError, "Input X contains NaN"),
    ("inf in X", NEW, "fit", (X_inf, y), {}, ValueError, "Input X contains infinity"),
    ("NaN in y", NEW, "fit", (X, np.where(y == 0, np.nan, 1.0)), {}, ValueError,
     "Input y contains NaN"),
    ("continuous y", NEW, "fit", (X, np.linspace(0, 1, 40)), {}, ValueError,
     "Unknown label type: 'continuous'"),
    ("empty X", NEW, "fit", (np.empty((0, 3)), []), {}, ValueError, "0 sample"),
    ("1-D X", NEW, "fit", (X[:, 0], y), {}, ValueError, "Expected 2D array"),
    ("3-D X", NEW, "fit", (X[:, :, None], y), {}, ValueError, "dim 3"),
    ("X and y lengths", NEW, "fit", (X, y[:-1]), {}, ValueError, "inconsistent numbers of samples"),
    ("features at predict", "fitted", "predict", (X[:, :2],), {}, ValueError,
     "X has 2 features, but MLPClassifier is expecting 3"),
    ("features at predict_proba", "fitted", "predict_proba", (X[:, :2],), {}, ValueError,
     "expecting 3 features"),
    ("features at partial_fit", "fitted", "partial_fit", (X[:, :2], y), {}, ValueError,
     "expecting 3 features"),
    ("features at score", "fitted", "score", (X[:, :2], y), {}, ValueError, "expecting 3 features"),
    ("label not in classes_", "fitted", "partial_fit", (X, y + 5), {}, ValueError,
     r"labels \[5, 6\] that are not in classes_ \[0, 1\]"),
    ("first partial_fit without classes", NEW, "partial_fit", (X, y), {}, ValueError,
     "classes must be passed on the first call"),
    ("classes changed", "fitted", "partial_fit", (X, y), {"classes": [0, 1, 2]}, ValueError,
     "differs from the classes"),
    ("negative sample_weight", NEW, "fit", (X, y), {"sample_weight": -np.ones(40)}, ValueError,
     "Negative values"),
    ("NaN sample_weight", NEW, "fit", (X, y), {"sample_weight": np.full(40, np.nan)}, ValueError,
     "sample_weight contains NaN"),
    ("all-zero sample_weight", NEW, "fit", (X, y), {"sample_weight": np.zeros(40)}, ValueError,
     "at least one non-zero"),
    ("all-zero sample_weight in partial_fit", "fitted", "partial_fit", (X, y),
     {"sample_weight": np.zeros(40)}, ValueError, "at least one non-zero"),
    ("sample_weight length", NEW, "fit", (X, y), {"sample_weight": np.ones(39)}, ValueError,
     r"sample_weight.shape == \(39,\), expected \(40,\)"),
    ("NaN sample_weight in score", "fitted", "score", (X, y),
     {"sample_weight": np.full(40, np.nan)}, ValueError, "NaN"),
    ("complex X", NEW, "fit", (X + 1j, y), {}, ValueError, "Complex data not supported"),
    ("string features", NEW, "fit", (np.full((40, 3), "a"), y), {}, ValueError,
     "could not convert string to float"),
    ("NaN in X at predict", "fitted", "predict", (X_nan,), {}, ValueError, "contains NaN"),
    ("inf in X at predict_proba", "fitted", "predict_proba", (X_inf,), {}, ValueError,
     "infinity"),
    ("NaN in X at score", "fitted", "score", (X_nan, y), {}, ValueError, "contains NaN"),
    ("NaN in X at partial_fit", "fitted", "partial_fit", (X_nan, y), {}, ValueError,
     "contains NaN"),
    ("predict before fit", NEW, "predict", (X,), {}, NotFittedError, "not fitted yet"),
    ("predict_proba before fit", NEW, "predict_proba", (X,), {}, NotFittedError, "not fitted"),
]
BAD_PARAMS = [
    (dict(hidden_layer_sizes=(-1,)), ValueError, "hidden_layer_sizes must be positive"),
    (dict(hidden_layer_sizes=(0,)), ValueError, "hidden_layer_sizes must be positive"),
    (dict(learning_rate_init=0.0), InvalidParameterError, "learning_rate_init"),
    (dict(activation="swish"), InvalidParameterError, "activation"),
    (dict(solver="newton"), InvalidParameterError, "solver"),
    (dict(validation_fraction=1.0), InvalidParameterError, "validation_fraction"),
    (dict(dropout=1.0), InvalidParameterError, "dropout"),
    (dict(loss="hinge"), InvalidParameterError, "loss"),
]


@pytest.mark.parametrize("case, model, method, args, kwargs, error, message", BAD_INPUT,
                         ids=[case[0] for case in BAD_INPUT])
def test_bad_input_gets_a_clear_error(case, model, method, args, kwargs, error, message):
    estimator = MLPClassifier() if model == NEW else _fitted()
    before = pickle.dumps(estimator)
    with pytest.raises(error, match=message):
        getattr(estimator, method)(*args, **kwargs)
    if model != NEW:  # a fitted model is left exactly as it was
        assert pickle.dumps(estimator) == before


@pytest.mark.parametrize("params, error, message", BAD_PARAMS)
def test_invalid_hyperparameters(params, error, message):
    with pytest.raises(error, match=message):
        MLPClassifier(**params).fit(X, y)


@pytest.mark.parametrize("params, message", [
    (dict(class_weight={5: 2.0}), r"class_weight has classes \[5\]"),
    (dict(dropout=[0.1, 0.2]), "one such float per hidden layer"),
])
def test_refused_first_partial_fit_leaves_the_estimator_unfitted(params, message):
    clf = MLPClassifier(hidden_layer_sizes=(4,), **params)
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(clf, "classes_") and not hasattr(clf, "_trainer")
    with pytest.raises(NotFittedError):
        clf.predict(X)


# ------------------------------------------------------------- divergence
@pytest.mark.parametrize("activation", ["identity", "relu"])
def test_divergence_keeps_the_last_finite_weights_and_warns(activation):
    # (Adam's steps are bounded by the learning rate: SGD is what blows up.)
    X_big = X * 1e3
    clf = MLPClassifier(hidden_layer_sizes=(50, 50), activation=activation, solver="sgd",
                        momentum=0.9, learning_rate_init=1e10, max_iter=50, random_state=0)
    with pytest.warns(DivergenceWarning, match="smaller learning_rate_init"):
        clf.fit(X_big, y)
    assert all(np.isfinite(W).all() for W in clf.coefs_ + clf.intercepts_)
    assert clf.n_iter_ < 50
    proba = clf.predict_proba(X_big)  # RuntimeWarnings are errors in this suite
    assert np.isfinite(proba).all()


# Found by hypothesis: the weights stayed finite but grew so large that the
# next forward pass overflowed, so the "last finite weights" predicted nan.
@pytest.mark.parametrize("X_train, y_train, params", [
    (np.array([[7.0], [3.0]]), [0, 1],
     dict(hidden_layer_sizes=(2, 2), max_iter=20)),
    (np.zeros((6, 1), np.float32), [0, 1, -1, 0, 0, 0],
     dict(hidden_layer_sizes=(1, 3, 3), max_iter=5)),
])
def test_diverged_fit_keeps_weights_that_predict_finite_probabilities(X_train, y_train,
                                                                       params):
    clf = MLPClassifier(activation="identity", solver="sgd", learning_rate_init=1.0,
                        random_state=0, **params)
    with pytest.warns(DivergenceWarning, match="lowest training loss"):
        clf.fit(X_train, y_train)
    proba = clf.predict_proba(X_train)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_partial_fit_that_diverges_raises_and_changes_nothing():
    clf = MLPClassifier(hidden_layer_sizes=(20,), solver="sgd", momentum=0.0,
                        learning_rate_init=1e30, random_state=0)
    clf.partial_fit(X, y, classes=[0, 1])
    refused = 0
    for _ in range(10):
        before = pickle.dumps(clf)
        try:
            clf.partial_fit(X * 1e10, y)
        except ValueError as error:
            assert "Solver produced non-finite parameter weights" in str(error)
            refused += 1
            # Weights, optimizer state and counters exactly as before the call.
            assert pickle.dumps(clf) == before
        assert all(np.isfinite(W).all() for W in clf.coefs_)
    assert refused >= 5, "the set-up should make most steps diverge"


def test_first_partial_fit_that_diverges_leaves_the_model_unfitted():
    # A step of about 1e100 * 1e10: weights far beyond what a forward pass survives.
    clf = MLPClassifier(hidden_layer_sizes=(20,), solver="sgd", momentum=0.0,
                        learning_rate_init=1e100, random_state=0)
    before = pickle.dumps(clf)
    with pytest.raises(ValueError, match="non-finite parameter weights.*partial_fit"):
        clf.partial_fit(X * 1e10, y, classes=[0, 1])
    assert pickle.dumps(clf) == before
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_divergence_with_early_stopping_names_the_kept_epoch():
    # With early stopping the best validation epoch is kept, not the start of
    # the epoch with the lowest training loss: the warning says which.
    X_big = np.tile(X, (5, 1)) * 1e3
    y_big = np.tile(y, 5)
    clf = MLPClassifier(hidden_layer_sizes=(50, 50), activation="identity", solver="sgd",
                        momentum=0.9, learning_rate_init=1e10, max_iter=50, early_stopping=True,
                        n_iter_no_change=50, random_state=0)
    with pytest.warns(DivergenceWarning) as record:
        clf.fit(X_big, y_big)
    message = str(record[0].message)
    assert clf.validation_scores_, "the set-up should diverge after a whole epoch"
    best = int(np.argmax(clf.validation_scores_)) + 1
    assert f"best validation epoch ({best})" in message
    assert "lowest training loss" not in message
    # Those weights are usable.
    assert np.isfinite(clf.predict_proba(X_big)).all()


# ----------------------------------------------------------- interruption
class InterruptAfter:
    """A callback that presses Ctrl-C (SIGINT) at the end of an epoch."""

    def __init__(self, epoch):
        self.epoch, self.seen = epoch, 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            self.seen += 1
            if self.seen == self.epoch:
                signal.raise_signal(signal.SIGINT)


def test_ctrl_c_stops_after_the_current_mini_batch_and_warns():
    pytest.importorskip("sklearn.callback")
    clf = MLPClassifier(max_iter=50, batch_size=8, random_state=0)
    clf.set_callbacks(InterruptAfter(epoch=3))
    with pytest.warns(TrainingInterruptedWarning, match="after 3 whole epochs"):
        clf.fit(X, y)
    assert clf.n_iter_ == 3
    assert clf.t_ == 3 * 40 + 8  # the interrupted epoch finished one mini-batch
    assert np.isfinite(clf.predict_proba(X)).all()
    clf.partial_fit(X, y)  # still trainable
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_raw_keyboard_interrupt_escapes_and_leaves_the_previous_model(monkeypatch):
    """A KeyboardInterrupt that was not deferred (a second Ctrl-C) escapes fit,
    and the model is the one from before the call, byte for byte."""
    from skmlp import _training

    clf = MLPClassifier(max_iter=5, batch_size=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    before = pickle.dumps(clf)
    calls = {"n": 0}
    original = _training.Trainer.step

    def step(self, *args):
        calls["n"] += 1
        if calls["n"] == 6:  # mid-way through the second epoch
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(_training.Trainer, "step", step)
    clf.set_params(warm_start=True)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert calls["n"] == 6
    assert pickle.dumps(clf.set_params(warm_start=False)) == before


# ------------------------------------------------------------- long streams
def test_partial_fit_memory_does_not_grow_per_call():
    """A long stream of partial_fit calls runs in constant memory.

    Anything kept per call costs at least 32 bytes a call (a float appended to
    a list: an 8-byte slot and a 24-byte object). What remains after a warm-up
    is churn in the small objects that scikit-learn's validation creates and
    frees, a few thousand bytes up or down in a window of 500 calls, in both
    directions. So the median growth over four windows must stay under 16
    bytes a call: half of the smallest real leak, which would show up in
    every window.
    """
    clf = MLPClassifier(hidden_layer_sizes=(16, 16), random_state=0)
    clf.partial_fit(X[:10], y[:10], classes=[0, 1])

    def python_objects_after(n_calls):
        for call in range(n_calls):
            rows = slice(10 * call % 40, 10 * call % 40 + 10)
            clf.partial_fit(X[rows], y[rows])
        gc.collect()
        # Python objects only: numpy keeps a cache of small data buffers in its
        # own tracemalloc domain, which churns; any retained array or list entry
        # still shows up here through its Python object.
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.DomainFilter(True, 0)])
        return sum(stat.size for stat in snapshot.statistics("filename"))

    window = 500
    tracemalloc.start()
    try:
        sizes = [python_objects_after(window) for _ in range(5)]
    finally:
        tracemalloc.stop()
    growth = np.diff(sizes)  # the first window is the warm-up; four windows of growth
    assert np.median(growth) < 16 * window, f"bytes gained per window of {window} calls: {growth}"
    assert clf.n_iter_ == 1 + 5 * window


# ------------------------------------------------- concurrency, reproducibility
def test_eight_threads_predict_like_one():
    from concurrent.futures import ThreadPoolExecutor

    clf = _fitted()
    # A different input for each of the 16 calls: threads that shared scratch
    # memory would return each other's rows.
    inputs = [np.random.default_rng(seed).normal(size=(5000, 3)) for seed in range(16)]
    serial = [(clf.predict_proba(big).copy(), clf.predict(big).copy()) for big in inputs]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda big: (clf.predict_proba(big).copy(),
                                             clf.predict(big).copy()), inputs))
    for (proba, labels), (serial_proba, serial_labels) in zip(results, serial):
        np.testing.assert_array_equal(proba, serial_proba)
        np.testing.assert_array_equal(labels, serial_labels)


def test_same_random_state_gives_the_same_coefs_in_another_process(tmp_path):
    code = textwrap.dedent(f"""
        import warnings, numpy as np
        warnings.simplefilter("ignore")
        from skmlp import MLPClassifier
        rng = np.random.default_rng(0)
        X = rng.normal(size=(40, 3)); y = np.arange(40) % 2
        clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)
        np.save({str(tmp_path / 'coef.npy')!r}, clf.coefs_[0])
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "coef.npy"), _fitted().coefs_[0])


def test_grid_search_in_parallel_finds_the_same_best_model():
    grid = {"hidden_layer_sizes": [(3,), (8,)], "learning_rate_init": [1e-3, 1e-2]}
    base = MLPClassifier(max_iter=20, random_state=0)
    serial = GridSearchCV(base, grid, cv=2, n_jobs=1).fit(X, y)
    parallel = GridSearchCV(base, grid, cv=2, n_jobs=2).fit(X, y)
    assert serial.best_params_ == parallel.best_params_
    np.testing.assert_array_equal(serial.best_estimator_.coefs_[0],
                                  parallel.best_estimator_.coefs_[0])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_prediction_checks_X_even_with_zero_first_layer_weights(bad, monkeypatch):
    # With a zero in W^1, a BLAS that skips multiplications by zero (as the
    # reference BLAS does) would let nan * 0 vanish from z^1: X is then scanned
    # directly, before the forward pass. OpenBLAS does not skip, so the scan is
    # checked by watching for it rather than by its effect alone.
    from skmlp import _base

    scanned = []
    original = _base.assert_all_finite

    def watched(X, **kwargs):
        scanned.append(X.shape)
        return original(X, **kwargs)

    monkeypatch.setattr(_base, "assert_all_finite", watched)
    clf = _fitted()
    clf.predict(X[:5])
    assert scanned == []  # no zero in W^1: the forward pass checks X through z^1
    clf.coefs_[0][:, 0] = 0.0
    X_bad = X[:5].copy()
    X_bad[1, 0] = bad
    for method in (clf.predict, clf.predict_proba, clf.predict_log_proba):
        scanned.clear()
        with pytest.raises(ValueError, match="NaN|infinity"):
            method(X_bad)
        assert scanned == [X_bad.shape]  # scanned once, before the forward pass


def test_prediction_of_huge_finite_X_is_not_called_non_finite():
    clf = _fitted()
    with np.errstate(over="ignore", invalid="ignore"):
        clf.predict_proba(np.full((3, X.shape[1]), 1e307))  # overflows, but no ValueError
