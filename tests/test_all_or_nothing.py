"""All or nothing: a call that raises leaves the model exactly as it was.

Two kinds of tests: a table of refused calls (every check runs before any
attribute changes), and faults during training (exceptions from callbacks,
from verbose output, Ctrl-C at random points, during L-BFGS and during a
first ``partial_fit``). After each, the model is the previous one, byte for
byte, or unfitted, never half-fitted.
"""

import io
import os
import pickle
import signal
import threading
import time
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import MLPClassifier
from skmlp._training import InterruptGuard
from skmlp.exceptions import TrainingInterruptedWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 4))
y3 = np.arange(60) % 3
Y_multilabel = (rng.random((60, 3)) < 0.5).astype(int)
BASE = dict(hidden_layer_sizes=(7,), max_iter=3, random_state=0)


def _fitted(**params):
    return MLPClassifier(**{**BASE, **params}).fit(X, y3)


# (case, parameters set before the call, method, args, kwargs, error, message)
REFUSED = [
    ("class_weight names a class not in y", {"class_weight": {7: 2.0}}, "fit",
     (X[:20], np.array(["a", "b"] * 10)), {}, ValueError, r"class_weight has classes \[7\]"),
    ("dropout list does not fit the architecture", {"dropout": [0.1, 0.2]}, "fit",
     (X, y3), {}, ValueError, "one such float per hidden layer"),
    ("class_weight with multilabel y", {"class_weight": {0: 2.0}}, "fit", (X, Y_multilabel), {},
     ValueError, "not supported for multilabel"),
    ("multilabel validation split of one row", {"early_stopping": True}, "fit",
     (X[:10], Y_multilabel[:10]), {}, ValueError, "The validation set is too small"),
    ("class_weight all zero (lbfgs)", {"class_weight": {0: 0, 1: 0, 2: 0}, "solver": "lbfgs"},
     "fit", (X, y3), {}, ValueError, "gives weight 0 to every class"),
    ("class_weight all zero (adam)", {"class_weight": {0: 0.0, 1: 0.0, 2: 0.0}}, "fit",
     (X, y3), {}, ValueError, "gives weight 0 to every class"),
    ("class_weight NaN", {"class_weight": {0: np.nan}}, "fit", (X, y3), {}, ValueError,
     "class 0 has nan"),
    ("class_weight inf", {"class_weight": {1: np.inf}}, "fit", (X, y3), {}, ValueError,
     "finite, non-negative"),
    ("class_weight negative", {"class_weight": {2: -1.0}}, "fit", (X, y3), {}, ValueError,
     "class 2 has -1.0"),
    ("class_weight not a number", {"class_weight": {2: "heavy"}}, "fit", (X, y3), {},
     ValueError, "class 2 has 'heavy'"),
    ("sample weights times class weights all zero", {"class_weight": {0: 0.0}}, "fit",
     (X, y3), {"sample_weight": (y3 == 0).astype(float)}, ValueError, "all zero"),
    ("class weights times sample weights overflow", {"class_weight": {0: 1e300}}, "fit",
     (X, y3), {"sample_weight": np.full(60, 1e300)}, ValueError, "overflow float64"),
    ("zero weight on every validation row", {"early_stopping": True, "validation_fraction": 0.5,
                                             "random_state": 0}, "fit", (X[:4], y3[:4] % 2),
     {"sample_weight": [1.0, 0.0, 0.0, 0.0]}, ValueError,
     "early-stopping (validation|training) set .* has sample weight"),
    ("validation_fraction=0 with early stopping", {"early_stopping": True,
                                                    "validation_fraction": 0.0}, "fit",
     (X, y3), {}, ValueError, "The validation set is too small"),
    ("divergence before any finite loss", {"warm_start": True, "solver": "sgd",
                                           "learning_rate_init": 1e300}, "fit",
     (X * 1e300, y3), {}, ValueError, "Solver produced non-finite parameter weights"),
    ("partial_fit that diverges", {"solver": "sgd", "learning_rate_init": 1e300},
     "partial_fit", (X * 1e300, y3), {}, ValueError,
     "Solver produced non-finite parameter weights"),
    ("warm start with other classes", {"warm_start": True}, "fit", (X, y3 % 2), {},
     ValueError, "warm_start can only be used where `y` has the same classes"),
    ("warm start with other features", {"warm_start": True}, "fit", (X[:, :3], y3), {},
     ValueError, "expecting 4 features"),
    ("warm start with another architecture", {"warm_start": True, "hidden_layer_sizes": (5,)},
     "fit", (X, y3), {}, ValueError, "layer sizes"),
    ("NaN in X", {}, "fit", (np.where(X > 1, np.nan, X), y3), {}, ValueError, "NaN"),
    ("an invalid parameter", {"alpha": -1.0}, "fit", (X, y3), {}, InvalidParameterError,
     "alpha"),
    ("non-positive hidden size", {"hidden_layer_sizes": (0,)}, "fit", (X, y3), {}, ValueError,
     "hidden_layer_sizes must be positive"),
    ("partial_fit with an unknown label", {}, "partial_fit", (X, y3 + 1), {}, ValueError,
     r"labels \[3\] that are not in classes_"),
    ("partial_fit with other classes", {}, "partial_fit", (X, y3), {"classes": [0, 1]},
     ValueError, "differs from the classes"),
    ("partial_fit with class_weight='balanced'", {"class_weight": "balanced"}, "partial_fit",
     (X, y3), {"classes": [0, 1, 2]}, ValueError, "not supported by partial_fit"),
    ("partial_fit with a dropout list that does not fit", {"dropout": [0.1, 0.1]},
     "partial_fit", (X, y3), {"classes": [0, 1, 2]}, ValueError, "per hidden layer"),
    ("partial_fit after hidden_layer_sizes changed", {"hidden_layer_sizes": (3, 3)},
     "partial_fit", (X, y3), {}, ValueError, "layer sizes"),
    ("partial_fit with early_stopping=True", {"early_stopping": True}, "partial_fit", (X, y3),
     {}, ValueError, "partial_fit does not support early_stopping=True"),
]


@pytest.mark.parametrize("case, params, method, args, kwargs, error, message", REFUSED,
                         ids=[row[0] for row in REFUSED])
def test_a_refused_call_leaves_a_fitted_model_byte_identical(case, params, method, args, kwargs,
                                                            error, message):
    clf = _fitted().set_params(**params)
    before = pickle.dumps(clf)
    with pytest.raises(error, match=message):
        getattr(clf, method)(*args, **kwargs)
    assert pickle.dumps(clf) == before
    # And the model still predicts its own data.
    assert clf.predict(X).shape == (60,)


@pytest.mark.parametrize("case, params, method, args, kwargs, error, message", [
    row for row in REFUSED if "warm start" not in row[0] and "changed" not in row[0]
    and "other classes" not in row[0] and "unknown label" not in row[0]
], ids=lambda v: v if isinstance(v, str) and " " in v else None)
def test_a_refused_call_leaves_a_new_model_unfitted(case, params, method, args, kwargs, error,
                                                   message):
    clf = MLPClassifier(**BASE).set_params(**params)
    if method == "partial_fit":
        kwargs = {"classes": [0, 1, 2], **kwargs}
    before = pickle.dumps(clf)
    with pytest.raises(error, match=message):
        getattr(clf, method)(*args, **kwargs)
    assert pickle.dumps(clf) == before
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_a_random_state_instance_is_put_back_when_the_call_fails():
    state = np.random.RandomState(3)
    clf = MLPClassifier(**{**BASE, "random_state": state, "class_weight": {0: -1.0}})
    before = state.get_state()[1].copy()
    with pytest.raises(ValueError):
        clf.fit(X, y3)
    np.testing.assert_array_equal(state.get_state()[1], before)


def test_n_iter_no_change_inf_never_stops_on_a_plateau():
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=30, tol=1e9, n_iter_no_change=np.inf,
                        random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y3)
    assert clf.n_iter_ == 30
    # With a finite patience the same huge tol stops early: epoch 1 improves on
    # inf, epochs 2-4 do not, and more than 2 such epochs stop training.
    assert clf.set_params(n_iter_no_change=2).fit(X, y3).n_iter_ == 4


# ------------------------------------------------------------------ faults
class RaiseAtEpoch:
    """A scikit-learn callback that raises at the end of a given epoch."""

    def __init__(self, epoch, error):
        self.epoch, self.error, self.seen = epoch, error, 0

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
                raise self.error


def _assert_unchanged_or_unfitted(clf, before):
    if before is None:
        with pytest.raises(NotFittedError):
            clf.predict(X)
        assert not hasattr(clf, "coefs_") and not hasattr(clf, "classes_")
    else:
        assert pickle.dumps(clf) == before


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("fitted", [False, True], ids=["new", "fitted"])
def test_an_exception_from_a_callback_changes_nothing(solver, fitted):
    pytest.importorskip("sklearn.callback")
    clf = _fitted(solver=solver, warm_start=True) if fitted else MLPClassifier(
        **BASE, solver=solver)
    clf.set_params(max_iter=10)
    before = pickle.dumps(clf) if fitted else None
    clf.set_callbacks(RaiseAtEpoch(2, RuntimeError("callback failed")))
    with pytest.raises(RuntimeError, match="callback failed"):
        clf.fit(X, y3)
    clf.set_callbacks()
    _assert_unchanged_or_unfitted(clf, before)


class _BrokenPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("fitted", [False, True], ids=["new", "fitted"])
def test_verbose_output_to_a_broken_pipe_changes_nothing(fitted, monkeypatch):
    clf = _fitted(warm_start=True) if fitted else MLPClassifier(**BASE)
    before = pickle.dumps(clf) if fitted else None
    clf.set_params(verbose=True)
    monkeypatch.setattr("sys.stdout", _BrokenPipe())
    with pytest.raises(BrokenPipeError):
        clf.fit(X, y3)
    monkeypatch.undo()
    clf.set_params(verbose=False)
    _assert_unchanged_or_unfitted(clf, before)


def test_ctrl_c_inside_a_first_partial_fit_leaves_the_model_unfitted(monkeypatch):
    from skmlp import _training

    def interrupted_step(self, *args):
        raise KeyboardInterrupt

    clf = MLPClassifier(**BASE)
    monkeypatch.setattr(_training.Trainer, "step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):
        clf.partial_fit(X, y3, classes=[0, 1, 2])
    _assert_unchanged_or_unfitted(clf, None)
    # And a later partial_fit of a fitted model, interrupted, changes nothing.
    monkeypatch.undo()
    clf.partial_fit(X, y3, classes=[0, 1, 2])
    before = pickle.dumps(clf)
    monkeypatch.setattr(_training.Trainer, "step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):
        clf.partial_fit(X, y3)
    assert pickle.dumps(clf) == before


def _sigint_on_evaluations(monkeypatch, at, presses=1):
    """Press Ctrl-C (a real SIGINT, ``presses`` times) in the loss evaluations
    numbered ``at``."""
    from skmlp import _training

    original, calls = _training.Trainer.loss_and_gradient, {"n": 0}

    def loss_and_gradient(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] in at:
            for _ in range(presses):
                signal.raise_signal(signal.SIGINT)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_training.Trainer, "loss_and_gradient", loss_and_gradient)


def test_one_ctrl_c_during_lbfgs_keeps_the_last_iteration(monkeypatch):
    _sigint_on_evaluations(monkeypatch, at={5})
    clf = MLPClassifier(**{**BASE, "solver": "lbfgs", "max_iter": 50})
    with pytest.warns(TrainingInterruptedWarning, match="whole iterations"):
        clf.fit(X, y3)
    assert 1 <= clf.n_iter_ < 50 and np.isfinite(clf.predict_proba(X)).all()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("fitted", [False, True], ids=["new", "fitted"])
def test_two_ctrl_c_during_lbfgs_escape_and_change_nothing(fitted, monkeypatch):
    clf = _fitted(solver="lbfgs", warm_start=True) if fitted else MLPClassifier(
        **BASE, solver="lbfgs")
    clf.set_params(max_iter=50)
    before = pickle.dumps(clf) if fitted else None
    _sigint_on_evaluations(monkeypatch, at={3}, presses=2)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y3)
    _assert_unchanged_or_unfitted(clf, before)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_two_ctrl_c_in_a_mini_batch_escape_and_change_nothing(monkeypatch):
    clf = _fitted(warm_start=True, batch_size=20, max_iter=10)
    before = pickle.dumps(clf)
    _sigint_on_evaluations(monkeypatch, at={4}, presses=2)  # in epoch 2
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y3)
    assert pickle.dumps(clf) == before


def test_sigint_is_not_caught_when_the_process_ignores_it(monkeypatch):
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _sigint_on_evaluations(monkeypatch, at={2, 3, 4})
        clf = MLPClassifier(**{**BASE, "max_iter": 5, "batch_size": 20})
        clf.fit(X, y3)  # no warning, no interruption: SIGINT stays ignored
        assert clf.n_iter_ == 5
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_second_ctrl_c_goes_to_the_previous_handler_which_is_restored():
    seen = []

    def application_handler(signum, frame):
        seen.append(signum)

    previous = signal.signal(signal.SIGINT, application_handler)
    try:
        guard = InterruptGuard()
        with guard.watch():
            signal.raise_signal(signal.SIGINT)
            assert guard.requested and seen == []  # the first is deferred
            signal.raise_signal(signal.SIGINT)
            assert seen == [signal.SIGINT]  # the second is the application's
        assert signal.getsignal(signal.SIGINT) is application_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_at_random_moments_never_leaves_a_half_fitted_model():
    """Two SIGINTs from a timer thread at random moments of fit, many times.

    Whatever the timing, the call either returns a usable model (no Ctrl-C
    arrived in time, or only the first, which ends training with a
    warning), or raises KeyboardInterrupt and leaves the previous model
    byte for byte (or an unfitted one).
    """
    schedule = np.random.default_rng(1)
    data_X = np.random.default_rng(2).normal(size=(2000, 20))
    data_y = np.arange(2000) % 3
    in_fit = threading.Event()

    def handler(signum, frame):  # Python's default, but only while fitting
        # Once per trial: a second SIGINT landing while the first
        # KeyboardInterrupt is still being handled here must not escape the test.
        if in_fit.is_set():
            in_fit.clear()
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    outcomes = {"returned": 0, "interrupted": 0, "escaped": 0}
    try:
        for trial in range(40):
            fitted = trial % 2 == 1
            clf = MLPClassifier(hidden_layer_sizes=(200,), max_iter=10, batch_size=500,
                                random_state=trial, warm_start=fitted)
            if fitted:
                clf.fit(data_X, data_y)
            before = pickle.dumps(clf) if fitted else None
            # A fit takes about 60 ms, a mini-batch step 1-2 ms.
            first = schedule.uniform(0.0, 0.07)
            delays = [first, first + schedule.uniform(0.0, 0.003)]
            timers = [threading.Timer(d, os.kill, (os.getpid(), signal.SIGINT)) for d in delays]
            in_fit.set()
            returned, caught = False, []
            try:
                for timer in timers:
                    timer.start()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    clf.fit(data_X, data_y)
                    returned = True
                in_fit.clear()
            except KeyboardInterrupt:
                # Either fit let it escape (then nothing changed), or it landed
                # in this test's own code after fit had returned.
                in_fit.clear()
                if not returned:
                    outcomes["escaped"] += 1
                    _assert_unchanged_or_unfitted(clf, before)
            finally:
                in_fit.clear()
                for timer in timers:
                    timer.join()
                time.sleep(0.001)  # a signal still in flight lands outside fit
            if returned:
                interrupted = any(w.category is TrainingInterruptedWarning for w in caught)
                outcomes["interrupted" if interrupted else "returned"] += 1
                assert np.isfinite(clf.predict_proba(data_X)).all()
                assert clf.coefs_[0].shape == (20, 200)
                assert len(clf.loss_curve_) == clf.n_iter_ + (10 if fitted else 0)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert sum(outcomes.values()) == 40
