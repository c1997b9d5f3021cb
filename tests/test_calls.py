"""The fast call path (skmlp/_calls.py): the same results as the full path,
taken only when it may be, and all or nothing.

Each equality test runs the same calls twice: once with plain NumPy arrays
(which take the fast path after the first call) and once with the same data
as lists (which always take the full path), and requires bit-for-bit equal
models. ``_counting_full_path`` shows which path each call took, so a fast
path that silently stopped being taken fails here too.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from skmlp import MLPClassifier, MLPRegressor
from skmlp import _base, _training

rng = np.random.default_rng(0)
X = rng.normal(size=(96, 5))
LABELS = {
    "binary": np.arange(96) % 2,
    "multiclass": np.arange(96) % 3,
    "one class": np.zeros(96, dtype=int),
    "strings": np.array(["ant", "bee", "cat", "dog"])[np.arange(96) % 4],
    "float labels": (np.arange(96) % 3).astype(float),
}
TARGETS = {"one target": X @ np.arange(1.0, 6.0), "two targets": np.c_[X[:, 0], -X[:, 1]]}


@pytest.fixture
def full_path_calls(monkeypatch):
    """Counts the calls that went through the full validation."""
    calls = []
    original = _base.BaseMLP._partial_fit_validated

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_base.BaseMLP, "_partial_fit_validated", counting)
    return calls


def _stream(model, X, y, as_list, **first):
    for start in range(0, len(X), 16):
        rows = slice(start, start + 16)
        Xb, yb = X[rows], y[rows]
        if as_list:
            Xb, yb = Xb.tolist(), yb.tolist()
        model.partial_fit(Xb, yb, **(first if start == 0 else {}))
    return model


def _assert_same(a, b):
    for left, right in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(left, right)
    assert (a.n_iter_, a.t_, a.loss_, a.best_loss_) == (b.n_iter_, b.t_, b.loss_, b.best_loss_)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("kind", LABELS)
def test_classifier_fast_path_equals_full_path(kind, solver, full_path_calls):
    y = LABELS[kind]
    params = dict(hidden_layer_sizes=(7,), solver=solver, random_state=0, dropout=0.2)
    fast = _stream(MLPClassifier(**params), X, y, False, classes=np.unique(y))
    assert len(full_path_calls) == 1  # only the first call was validated in full
    full = _stream(MLPClassifier(**params), X, y, True, classes=np.unique(y))
    assert len(full_path_calls) == 1 + 96 // 16
    _assert_same(fast, full)
    np.testing.assert_array_equal(fast.predict_proba(X), full.predict_proba(X.tolist()))
    np.testing.assert_array_equal(fast.predict(X), full.predict(X.tolist()))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", TARGETS)
def test_regressor_fast_path_equals_full_path(kind, dtype, full_path_calls):
    Xd, y = X.astype(dtype), TARGETS[kind]
    fast = _stream(MLPRegressor(hidden_layer_sizes=(7,), random_state=0), Xd, y, False)
    assert len(full_path_calls) == 1
    full = MLPRegressor(hidden_layer_sizes=(7,), random_state=0)
    for start in range(0, 96, 16):  # DataFrames keep the dtype and take the full path
        full.partial_fit(pd.DataFrame(Xd[start:start + 16]), y[start:start + 16].tolist())
    assert len(full_path_calls) == 1 + 96 // 16
    _assert_same(fast, full)
    assert fast.predict(Xd).dtype == dtype
    np.testing.assert_array_equal(fast.predict(Xd), full.predict(pd.DataFrame(Xd)))


def test_a_random_state_instance_keeps_the_fast_path(full_path_calls):
    clf = MLPClassifier(hidden_layer_sizes=(7,), random_state=np.random.RandomState(0))
    clf.partial_fit(X, LABELS["binary"], classes=[0, 1])
    clf.partial_fit(X, LABELS["binary"]).partial_fit(X, LABELS["binary"])
    assert len(full_path_calls) == 1


def test_changed_parameters_take_the_full_path_and_take_effect(full_path_calls):
    clf = MLPClassifier(hidden_layer_sizes=(7,), solver="sgd", random_state=0)
    clf.partial_fit(X, LABELS["binary"], classes=[0, 1]).partial_fit(X, LABELS["binary"])
    assert len(full_path_calls) == 1
    clf.set_params(learning_rate_init=0.5)
    clf.partial_fit(X, LABELS["binary"])
    assert len(full_path_calls) == 2
    assert clf._trainer.optimizer.learning_rate == 0.5
    clf.hidden_layer_sizes = [7]  # a list edited in place is noticed too
    clf.partial_fit(X, LABELS["binary"])
    clf.hidden_layer_sizes.append(3)
    with pytest.raises(ValueError, match="layer sizes"):
        clf.partial_fit(X, LABELS["binary"])


@pytest.mark.parametrize("call, message", [
    (lambda m: m.partial_fit(X, LABELS["binary"] + 2), r"labels \[2, 3\] that are not in"),
    (lambda m: m.partial_fit(np.where(X > 1, np.nan, X), LABELS["binary"]), "contains NaN"),
    (lambda m: m.partial_fit(X[:, :4], LABELS["binary"]), "expecting 5 features"),
    (lambda m: m.partial_fit(X, LABELS["binary"][:10]), "inconsistent numbers of samples"),
])
def test_what_the_fast_path_cannot_take_is_refused_as_before(call, message):
    clf = MLPClassifier(hidden_layer_sizes=(7,), random_state=0)
    clf.partial_fit(X, LABELS["binary"], classes=[0, 1]).partial_fit(X, LABELS["binary"])
    before = pickle.dumps(clf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=message):
            call(clf)
    assert pickle.dumps(clf) == before


def test_a_scalar_y_is_refused_as_before():
    clf = MLPClassifier(hidden_layer_sizes=(7,), random_state=0)
    clf.partial_fit(X, LABELS["binary"], classes=[0, 1]).partial_fit(X, LABELS["binary"])
    before = pickle.dumps(clf)
    with pytest.raises(TypeError, match="at least 1 dimension"):
        clf.partial_fit(X[:1], np.array(1))
    assert pickle.dumps(clf) == before


def test_float64_data_beyond_a_float32_model_is_refused_as_before():
    reg = MLPRegressor(hidden_layer_sizes=(7,), random_state=0)
    y = TARGETS["one target"]
    X32 = X.astype(np.float32)
    reg.partial_fit(X32, y).partial_fit(X32, y)
    before = pickle.dumps(reg)
    with pytest.raises(ValueError, match="X holds values that are not finite in float32"):
        reg.partial_fit(X * 1e39, y)
    assert pickle.dumps(reg) == before


def test_a_fast_step_that_diverges_changes_nothing():
    clf = MLPClassifier(hidden_layer_sizes=(20,), solver="sgd", momentum=0.0,
                        learning_rate_init=1e30, dropout=0.3, random_state=0)
    clf.partial_fit(X, LABELS["binary"], classes=[0, 1])
    refused = 0
    for _ in range(6):
        before = pickle.dumps(clf)
        try:
            clf.partial_fit(X * 1e10, LABELS["binary"])
        except ValueError as error:
            assert "Solver produced non-finite parameter weights" in str(error)
            refused += 1
            assert pickle.dumps(clf) == before  # the dropout generator included
    assert refused >= 3


def test_an_interrupted_fast_step_changes_nothing(monkeypatch):
    clf = MLPRegressor(hidden_layer_sizes=(7,), random_state=0, dropout=0.5)
    y = TARGETS["one target"]
    clf.partial_fit(X, y).partial_fit(X, y)
    before = pickle.dumps(clf)
    original = _training.Trainer.step

    def interrupted(trainer, *args, **kwargs):
        original(trainer, *args, **kwargs)  # the weights, moments and generator moved
        raise KeyboardInterrupt

    monkeypatch.setattr(_training.Trainer, "step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        clf.partial_fit(X, y)
    assert pickle.dumps(clf) == before


def test_prediction_fast_path_keeps_every_check():
    clf = MLPClassifier(hidden_layer_sizes=(7,), max_iter=5, random_state=0)
    clf.fit(X, LABELS["multiclass"])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.where(X > 1, np.nan, X))
    with pytest.raises(ValueError, match="expecting 5 features"):
        clf.predict_proba(X[:, :4])
    with pytest.raises(ValueError, match="0 sample"):
        clf.predict(X[:0])
    named = MLPClassifier(hidden_layer_sizes=(7,), max_iter=5, random_state=0)
    named.fit(pd.DataFrame(X, columns=list("abcde")), LABELS["multiclass"])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        named.predict(X)
