"""Training features of MLPClassifier beyond the basic loop (issue: schedules,
early stopping, weights, multilabel, sparse, losses, dropout, callbacks)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.model_selection import GridSearchCV, train_test_split

from skmlp import MLPClassifier
from skmlp._core.network import forward

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=200, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)


class WeightRecorder:
    """A minimal sklearn FitCallback that keeps the weights after every epoch."""

    def __init__(self):
        self.epochs = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch":
            self.epochs.append([W.copy() for W in fitted_estimator.coefs_])


# ------------------------------------------------------------- schedules
@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_learning_rate_schedule_matches_scikit_learn(schedule):
    from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

    from skmlp._core.optimizers import SGD

    ours = SGD(3, np.float64, learning_rate_init=0.3, momentum=0.9, nesterov=True,
               schedule=schedule, power_t=0.7)
    theirs = SGDOptimizer([np.zeros(3)], learning_rate_init=0.3, lr_schedule=schedule,
                          power_t=0.7)
    for t in [10, 100, 1000]:
        ours.iteration_ends(t)
        theirs.iteration_ends(t)
        assert ours.learning_rate == pytest.approx(theirs.learning_rate, rel=1e-12)


def test_adaptive_schedule_matches_scikit_learn():
    from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

    from skmlp._core.optimizers import SGD

    ours = SGD(1, np.float64, learning_rate_init=0.01, momentum=0.9, nesterov=True,
               schedule="adaptive", power_t=0.5)
    theirs = SGDOptimizer([np.zeros(1)], learning_rate_init=0.01, lr_schedule="adaptive")
    for _ in range(8):
        assert ours.on_plateau() == theirs.trigger_stopping("", verbose=False)
        assert ours.learning_rate == pytest.approx(theirs.learning_rate)


def test_invscaling_in_fit_uses_samples_seen(data):
    X, y = data
    clf = MLPClassifier(solver="sgd", learning_rate="invscaling", learning_rate_init=0.1,
                        power_t=0.5, max_iter=3, random_state=0).fit(X, y)
    assert clf._trainer.optimizer.learning_rate == pytest.approx(0.1 / (clf.t_ + 1) ** 0.5)


# -------------------------------------------------------- early stopping
def test_early_stopping_restores_the_best_validation_epoch(data):
    pytest.importorskip("sklearn.callback")  # the recorder is a scikit-learn callback
    X, y = data
    recorder = WeightRecorder()
    clf = MLPClassifier(hidden_layer_sizes=(30,), early_stopping=True, n_iter_no_change=5,
                        learning_rate_init=0.05, max_iter=300, random_state=0)
    clf.set_callbacks(recorder).fit(X, y)
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_ == len(recorder.epochs) == len(clf.validation_loss_curve_)
    assert clf.n_iter_ < 300
    assert clf.best_validation_score_ == max(scores)
    best_epoch = int(np.argmax(scores))
    assert best_epoch < clf.n_iter_ - 1, "the test needs a run that got worse after its best"
    for W, W_best in zip(clf.coefs_, recorder.epochs[best_epoch]):
        np.testing.assert_array_equal(W, W_best)
    assert clf.best_loss_ is None
    assert all(np.isfinite(clf.validation_loss_curve_))


def test_early_stopping_validation_split_is_stratified(data):
    X, y = data
    y = np.where(np.arange(len(y)) < 20, 9, y)  # 20 samples of a rare class
    clf = MLPClassifier(early_stopping=True, validation_fraction=0.1, max_iter=2,
                        random_state=0).fit(X, y)
    assert clf.t_ == 2 * 180  # 10% held out
    # Every class is held out in proportion (up to rounding), the rare one too.
    targets = clf._encode_targets(y, None, np.float64, partial=False, classes=None,
                                  continuing=True)
    Y = targets.Y
    _, _, Y_val, _ = clf._split_validation(X, targets, np.random.default_rng(0))
    np.testing.assert_allclose(Y_val.sum(axis=0), 0.1 * Y.sum(axis=0), atol=1)


def test_without_early_stopping_validation_attributes_are_none(data):
    clf = MLPClassifier(max_iter=2).fit(*data)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert isinstance(clf.best_loss_, float)


def test_verbose_reports_the_validation_score(data, capsys):
    MLPClassifier(max_iter=2, early_stopping=True, verbose=True).fit(*data)
    first = capsys.readouterr().out.splitlines()[0]
    assert "validation score = " in first and "time = " in first


# ---------------------------------------------------------------- weights
@pytest.mark.filterwarnings("ignore:Got `batch_size`")
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_integer_sample_weight_equals_repeated_rows(solver, data):
    X, y = data
    w = np.random.default_rng(0).integers(0, 4, size=len(y))
    params = dict(solver=solver, batch_size=1000, max_iter=15, random_state=0, shuffle=False)
    weighted = MLPClassifier(**params).fit(X, y, sample_weight=w)
    repeated = MLPClassifier(**params).fit(X.repeat(w, axis=0), y.repeat(w))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-9)


def test_sample_weight_in_partial_fit_and_score(data):
    X, y = data
    w = np.where(y == 0, 5.0, 1.0)
    clf = MLPClassifier(random_state=0).partial_fit(X, y, classes=[0, 1, 2], sample_weight=w)
    assert clf.score(X, y, sample_weight=w) != clf.score(X, y)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_integer_weights_equal_repeated_rows(solver, data):
    # One step on weighted rows is the step on the rows repeated that often.
    X, y = data
    w = np.random.default_rng(0).integers(0, 4, size=30)
    params = dict(hidden_layer_sizes=(5,), solver=solver, random_state=0)
    weighted = MLPClassifier(**params).partial_fit(X[:30], y[:30], classes=[0, 1, 2],
                                                   sample_weight=w)
    repeated = MLPClassifier(**params).partial_fit(X[:30].repeat(w, axis=0), y[:30].repeat(w),
                                                   classes=[0, 1, 2])
    np.testing.assert_allclose(weighted._trainer.params, repeated._trainer.params, rtol=1e-10)
    assert weighted.loss_ == pytest.approx(repeated.loss_, rel=1e-10)


def test_class_weight_balanced_raises_recall_of_a_rare_class():
    X, y = make_classification(n_samples=600, n_features=6, weights=[0.95, 0.05],
                               class_sep=0.5, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    params = dict(hidden_layer_sizes=(10,), max_iter=100, random_state=0)
    plain = MLPClassifier(**params).fit(X_train, y_train)
    balanced = MLPClassifier(class_weight="balanced", **params).fit(X_train, y_train)
    assert recall_score(y_test, balanced.predict(X_test)) > recall_score(
        y_test, plain.predict(X_test))


def test_class_weight_dict_multiplies_sample_weight(data):
    X, y = data
    params = dict(max_iter=5, random_state=0, shuffle=False)
    by_class = MLPClassifier(class_weight={0: 3.0}, **params).fit(X, y, sample_weight=np.full(200, 2.0))
    by_sample = MLPClassifier(**params).fit(X, y, sample_weight=np.where(y == 0, 6.0, 2.0))
    np.testing.assert_allclose(by_class.coefs_[0], by_sample.coefs_[0], rtol=1e-10)


def test_class_weight_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="not supported by partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"classes \[7\]"):
        MLPClassifier(class_weight={7: 2.0}).fit(X, y)


def test_sample_weight_reaches_the_estimator_through_metadata_routing(data):
    X, y = data
    w = np.where(y == 0, 0.0, 1.0)
    with config_context(enable_metadata_routing=True):
        clf = (MLPClassifier(max_iter=20, random_state=0)
               .set_fit_request(sample_weight=True).set_score_request(sample_weight=False))
        grid = GridSearchCV(clf, {"learning_rate_init": [0.01]}, cv=2).fit(X, y, sample_weight=w)
        unweighted = GridSearchCV(
            MLPClassifier(max_iter=20, random_state=0).set_fit_request(sample_weight=False),
            {"learning_rate_init": [0.01]}, cv=2).fit(X, y)
    zero_weighted_class = grid.best_estimator_.predict_proba(X)[:, 0].mean()
    assert zero_weighted_class < unweighted.best_estimator_.predict_proba(X)[:, 0].mean()


# ---------------------------------------------------- targets and inputs
def test_multilabel_shapes_and_dtypes(data):
    X, _ = data
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)
    clf = MLPClassifier(max_iter=50, random_state=0).fit(X.astype(np.float32), Y)
    assert clf.predict(X).shape == (200, 2) and set(np.unique(clf.predict(X))) <= {0, 1}
    proba = clf.predict_proba(X.astype(np.float32))
    assert proba.shape == (200, 2) and proba.dtype == np.float32
    assert clf.out_activation_ == "logistic"


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_matches_dense(fmt, data):
    X, y = data
    X = np.where(np.abs(X) > 1, X, 0)
    params = dict(max_iter=5, random_state=0)
    dense = MLPClassifier(**params).fit(X, y)
    sparse = MLPClassifier(**params).fit(sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(sparse.coefs_[0], dense.coefs_[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X),
                               rtol=1e-9)
    sparse.partial_fit(sp.csr_matrix(X[:10]), y[:10])


def test_sparse_input_is_never_densified_whole():
    # 2,000 x 5,000 at 1% density: 80 MB dense in float64, about 1.2 MB as CSR.
    # Densifying X (or a copy of it) would show in the traced peak; training
    # densifies at most one mini-batch of 50 rows (2 MB dense) at a time.
    import tracemalloc

    X = sp.random(2000, 5000, density=0.01, format="csr", random_state=0)
    y = np.arange(2000) % 3
    dense_nbytes = X.shape[0] * X.shape[1] * 8
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, batch_size=50, random_state=0)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        clf.predict_proba(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.1 * dense_nbytes, f"peak {peak / 1e6:.1f} MB"


# -------------------------------------------------------- losses, layers
@pytest.mark.parametrize("activation", ["leaky_relu", "elu"])
def test_new_activations_learn_digits(activation):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(32,), activation=activation, max_iter=60,
                        random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.93


def test_squared_error_loss_learns_digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
                        loss="squared_error", learning_rate_init=3.0, momentum=0.0,
                        batch_size=10, max_iter=30, random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.9
    assert clf.loss_curve_[-1] < 0.1


# ---------------------------------------------------------------- dropout
def test_dropout_changes_training_but_not_prediction(data):
    X, y = data
    params = dict(hidden_layer_sizes=(20, 20), max_iter=5, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    dropped = MLPClassifier(dropout=0.5, **params).fit(X, y)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])
    activations, _ = forward(dropped.coefs_, dropped.intercepts_, X, "relu", "softmax")
    np.testing.assert_allclose(dropped.predict_proba(X), activations[-1], rtol=1e-12)
    again = MLPClassifier(dropout=0.5, **params).fit(X, y)
    np.testing.assert_array_equal(again.coefs_[0], dropped.coefs_[0])


def test_dropout_per_layer_and_validation(data):
    X, y = data
    MLPClassifier(hidden_layer_sizes=(5, 5), dropout=[0.0, 0.3], max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="one such float per hidden layer"):
        MLPClassifier(hidden_layer_sizes=(5, 5), dropout=[0.1]).fit(X, y)
    with pytest.raises(ValueError, match="dropout"):
        MLPClassifier(hidden_layer_sizes=(5,), dropout=[1.0]).fit(X, y)


def test_dropout_gradient_matches_finite_differences_for_fixed_masks(rng):
    from conftest import central_differences, relative_error

    from skmlp._core.init import glorot_uniform
    from skmlp._core.network import ParameterLayout
    from skmlp._core.objective import loss_and_gradient

    layout = ParameterLayout((4, 6, 5, 3))
    params = glorot_uniform(layout, "tanh", rng)
    X = rng.normal(size=(8, 4))
    Y = np.eye(3)[rng.integers(0, 3, size=8)]
    masks = [(rng.random((8, 6)) > 0.5) / 0.5, (rng.random((8, 5)) > 0.3) / 0.7]
    kwargs = dict(hidden_activation="tanh", output_activation="softmax", alpha=0.1,
                  dropout_masks=masks)
    _, grad = loss_and_gradient(params, layout, X, Y, **kwargs)
    numeric = central_differences(
        lambda p: loss_and_gradient(p, layout, X, Y, **kwargs)[0], params)
    assert relative_error(grad, numeric) < 1e-6


# ------------------------------------------------------------------ lbfgs
def test_lbfgs_reaches_scikit_learn_accuracy_on_digits():
    from sklearn.neural_network import MLPClassifier as SkMLP

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    params = dict(solver="lbfgs", hidden_layer_sizes=(30,), max_iter=200, alpha=1e-3,
                  random_state=0)
    ours = MLPClassifier(**params).fit(X_train, y_train).score(X_test, y_test)
    theirs = SkMLP(**params).fit(X_train, y_train).score(X_test, y_test)
    assert ours >= theirs - 0.005


def test_lbfgs_float32_limits_and_no_partial_fit(data):
    X, y = data
    clf = MLPClassifier(solver="lbfgs", max_iter=5, random_state=0)
    with pytest.warns(Warning, match="(?i)iter"):
        clf.fit(X.astype(np.float32), y)
    assert clf.coefs_[0].dtype == np.float32 and clf.n_iter_ == 5
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        clf.partial_fit(X, y)


# -------------------------------------------------------------- callbacks
def test_scoring_monitor_sees_every_epoch(data):
    callback = pytest.importorskip("sklearn.callback")
    X, y = data
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = MLPClassifier(max_iter=6, random_state=0).set_callbacks(monitor).fit(X, y)
    epochs = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(epochs) == clf.n_iter_ == 6
    assert epochs[-1]["accuracy"] == pytest.approx(clf.score(X, y))


def test_progress_bar_runs_with_rich(data):
    callback = pytest.importorskip("sklearn.callback")
    pytest.importorskip("rich")
    X, y = data
    clf = MLPClassifier(max_iter=3).set_callbacks(callback.ProgressBar()).fit(X, y)
    assert clf.n_iter_ == 3


def test_callbacks_see_lbfgs_iterations(data):
    pytest.importorskip("sklearn.callback")
    X, y = data
    recorder = WeightRecorder()
    clf = MLPClassifier(solver="lbfgs", max_iter=4, random_state=0).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    assert len(recorder.epochs) == clf.n_iter_ == 4
    np.testing.assert_array_equal(recorder.epochs[-1][0], clf.coefs_[0])
