import pickle
import subprocess
import sys
import textwrap
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import MLPClassifier
from skmlp._core.objective import loss_and_gradient

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16, y, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def small():
    X, y = make_classification(n_samples=120, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)
    return X, y


# ---------------------------------------------------------------- training
def test_partial_fit_is_exactly_one_sgd_step(small):
    X, y = small
    # batch_size=4 < 15 rows: an epoch of mini-batches (scikit-learn's partial_fit)
    # would take four steps here, and fail this test.
    clf = MLPClassifier(hidden_layer_sizes=(5, 4), solver="sgd", momentum=0.0, alpha=0.0,
                        learning_rate_init=0.3, batch_size=4, random_state=0)
    clf.partial_fit(X[:10], y[:10], classes=np.unique(y))
    trainer = clf._trainer
    before = trainer.params.copy()
    Y = clf._label_binarizer.transform(y[10:25]).astype(float)
    _, grad = loss_and_gradient(before, trainer.layout, X[10:25], Y, **trainer.objective)
    clf.partial_fit(X[10:25], y[10:25])
    after = np.concatenate([c.ravel() for c in clf.coefs_] + list(clf.intercepts_))
    np.testing.assert_allclose(after, before - 0.3 * grad, rtol=1e-12, atol=1e-15)
    assert clf.n_iter_ == 2 and clf.t_ == 25 and clf.loss_curve_ == []
    # loss_ is the loss of this step's mini-batch, before the update.
    loss_before, _ = loss_and_gradient(before, trainer.layout, X[10:25], Y, **trainer.objective)
    assert clf.loss_ == pytest.approx(loss_before, rel=1e-12)


def test_partial_fit_needs_classes_on_the_first_call(small):
    X, y = small
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X, y)


def test_partial_fit_rejects_unknown_labels_and_leaves_the_model_unchanged(small):
    X, y = small
    clf = MLPClassifier(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    snapshot = pickle.dumps(clf)
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes_"):
        clf.partial_fit(X[:3], [0, 1, 7])
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X[:3], [0, 1, 2], classes=[0, 1, 2, 3])
    assert pickle.dumps(clf) == snapshot


def test_partial_fit_first_call_checks_y_against_classes(small):
    X, y = small
    with pytest.raises(ValueError, match="not in classes"):
        MLPClassifier().partial_fit(X[:3], [0, 1, 5], classes=[0, 1, 2])


def test_partial_fit_after_fit_continues_from_fitted_weights(small):
    X, y = small
    clf = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    coef_before = clf.coefs_[0].copy()
    clf.partial_fit(X[:20], y[:20])
    assert not np.array_equal(coef_before, clf.coefs_[0])
    assert clf.n_iter_ == 6


def test_set_params_learning_rate_between_partial_fit_calls_takes_effect(small):
    X, y = small
    clf = MLPClassifier(solver="sgd", momentum=0.0, alpha=0.0, random_state=0)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    before = clf._trainer.params.copy()
    Y = clf._label_binarizer.transform(y).astype(float)
    _, grad = loss_and_gradient(before, clf._trainer.layout, X, Y, **clf._trainer.objective)
    clf.set_params(learning_rate_init=0.05).partial_fit(X, y)
    np.testing.assert_allclose(clf._trainer.params, before - 0.05 * grad, rtol=1e-12, atol=1e-15)


def _one_sgd_step_from(clf, X, y, learning_rate):
    """The parameters one plain SGD step from ``clf``'s current ones would reach."""
    trainer = clf._trainer
    Y = clf._label_binarizer.transform(y).astype(float)
    _, grad = loss_and_gradient(trainer.params.copy(), trainer.layout, X, Y, **trainer.objective)
    return trainer.params - learning_rate * grad


def test_set_params_momentum_between_partial_fit_calls_takes_effect(small):
    # After steps with momentum 0.9, setting momentum=0 makes the next step a
    # plain gradient step: the velocity built up so far no longer enters.
    X, y = small
    clf = MLPClassifier(solver="sgd", momentum=0.9, alpha=0.0, learning_rate_init=0.1,
                        random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    expected = _one_sgd_step_from(clf, X, y, 0.1)
    clf.set_params(momentum=0.0).partial_fit(X, y)
    np.testing.assert_allclose(clf._trainer.params, expected, rtol=1e-12, atol=1e-15)


def test_partial_fit_after_an_lbfgs_fit_with_a_stochastic_solver(small):
    X, y = small
    clf = MLPClassifier(solver="lbfgs", max_iter=20, alpha=0.0, random_state=0).fit(X, y)
    assert not hasattr(clf, "partial_fit")  # hidden, as in scikit-learn
    clf.set_params(solver="sgd", momentum=0.0, learning_rate_init=0.2)
    expected = _one_sgd_step_from(clf, X[:30], y[:30], 0.2)
    clf.partial_fit(X[:30], y[:30])
    np.testing.assert_allclose(clf._trainer.params, expected, rtol=1e-12, atol=1e-15)


def test_switching_solver_between_partial_fit_calls(small):
    X, y = small
    clf = MLPClassifier(solver="adam", alpha=0.0, random_state=0).partial_fit(
        X, y, classes=[0, 1, 2])
    clf.set_params(solver="sgd", momentum=0.0, learning_rate_init=0.3)
    expected = _one_sgd_step_from(clf, X, y, 0.3)
    clf.partial_fit(X, y)
    np.testing.assert_allclose(clf._trainer.params, expected, rtol=1e-12, atol=1e-15)


def test_new_learning_rate_init_scales_a_decayed_invscaling_rate(small):
    X, y = small
    clf = MLPClassifier(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5,
                        power_t=0.5, momentum=0.0, alpha=0.0, random_state=0)
    for _ in range(4):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    decayed = clf._trainer.optimizer.learning_rate
    assert decayed == pytest.approx(0.5 / (clf.t_ + 1) ** 0.5)
    # Lowering the initial rate five-fold makes the next step five times
    # shorter than the decayed one; it does not jump back up to 0.1.
    expected = _one_sgd_step_from(clf, X, y, decayed / 5)
    clf.set_params(learning_rate_init=0.1).partial_fit(X, y)
    np.testing.assert_allclose(clf._trainer.params, expected, rtol=1e-12, atol=1e-15)


def test_partial_fit_signature_matches_scikit_learn():
    import inspect

    from sklearn.neural_network import MLPClassifier as SkMLP

    ours = list(inspect.signature(MLPClassifier.partial_fit).parameters)
    theirs = list(inspect.signature(SkMLP.partial_fit).parameters)
    assert ours == theirs


def test_class_weight_dict_in_partial_fit_batches_missing_a_class(small):
    # The dict names class 2; a mini-batch without class 2 still trains, and
    # each row's weight is looked up in the dict (absent classes weigh 1).
    X, y = small
    rows = np.flatnonzero(y != 2)[:20]
    clf = MLPClassifier(class_weight={0: 3.0, 2: 5.0}, solver="sgd", momentum=0.0,
                        random_state=0).partial_fit(X[:10], y[:10], classes=[0, 1, 2])
    twin = clone(clf).set_params(class_weight=None).partial_fit(X[:10], y[:10],
                                                                classes=[0, 1, 2],
                                                                sample_weight=np.where(
                                                                    y[:10] == 0, 3.0,
                                                                    np.where(y[:10] == 2, 5.0,
                                                                             1.0)))
    clf.partial_fit(X[rows], y[rows])
    twin.partial_fit(X[rows], y[rows], sample_weight=np.where(y[rows] == 0, 3.0, 1.0))
    for W, W_twin in zip(clf.coefs_, twin.coefs_):
        np.testing.assert_allclose(W, W_twin, rtol=1e-12)


def test_mini_batches_of_zero_weight_are_skipped(small):
    # Rows 0-9 weigh nothing and form the first mini-batch (no shuffling): fit
    # takes the same steps as on the other rows alone, with no warning, even
    # with an L2 penalty (whose normaliser would be the batch's zero weight).
    X, y = small
    w = np.ones(len(y))
    w[:10] = 0.0
    params = dict(solver="sgd", batch_size=10, shuffle=False, alpha=1e-3, max_iter=3,
                  random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = MLPClassifier(**params).fit(X, y, sample_weight=w)
        rest = MLPClassifier(**params).fit(X[10:], y[10:])
    for W, W_rest in zip(weighted.coefs_, rest.coefs_):
        np.testing.assert_allclose(W, W_rest, rtol=1e-10)
    np.testing.assert_allclose(weighted.loss_curve_, rest.loss_curve_, rtol=1e-10)


def test_fit_reaches_scikit_learn_quality_on_digits(digits):
    from sklearn.neural_network import MLPClassifier as SkMLP

    X_train, X_test, y_train, y_test = digits
    params = dict(hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
                  learning_rate_init=0.5, momentum=0.0, batch_size=10, max_iter=20,
                  random_state=0)
    ours = MLPClassifier(**params).fit(X_train, y_train).score(X_test, y_test)
    theirs = SkMLP(**params).fit(X_train, y_train).score(X_test, y_test)
    assert ours > 0.93
    assert ours >= theirs - 0.02


def test_default_model_learns_digits(digits):
    X_train, X_test, y_train, y_test = digits
    clf = MLPClassifier(random_state=0, max_iter=50).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.95
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.loss_ == clf.loss_curve_[-1] and clf.best_loss_ <= clf.loss_


def test_stopping_rule_stops_before_max_iter(small):
    X, y = small
    clf = MLPClassifier(max_iter=500, tol=1e-2, n_iter_no_change=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ < 500


def test_convergence_warning_when_max_iter_is_reached(small):
    X, y = small
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\)"):
        MLPClassifier(max_iter=3).fit(X, y)


def test_warm_start_trains_max_iter_more_epochs(small):
    X, y = small
    clf = MLPClassifier(max_iter=30, tol=0.0, n_iter_no_change=100, warm_start=True,
                        random_state=0).fit(X, y)
    coefs = clf.coefs_[0].copy()
    clf.fit(X, y)
    assert clf.n_iter_ == 30 and len(clf.loss_curve_) == 60
    assert not np.array_equal(coefs, clf.coefs_[0])
    assert clf.loss_curve_[-1] < clf.loss_curve_[29]


def test_warm_start_with_a_different_architecture_is_an_error(small):
    X, y = small
    clf = MLPClassifier(max_iter=2, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="layer sizes"):
        clf.set_params(hidden_layer_sizes=(3,)).fit(X, y)


def test_same_random_state_gives_identical_coefs(small):
    X, y = small
    a = MLPClassifier(max_iter=5, random_state=3).fit(X, y)
    b = MLPClassifier(max_iter=5, random_state=3).fit(X, y)
    c = MLPClassifier(max_iter=5, random_state=4).fit(X, y)
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(Wa, Wb)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


def test_verbose_prints_one_line_per_epoch(small, capsys):
    X, y = small
    MLPClassifier(max_iter=3, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("Iteration 1, loss = ")


# ------------------------------------------------------------------ labels
@pytest.mark.parametrize("labels", [["cat", "dog"], ["a", "b", "c"], [-1, 1], [3, 7, 9]])
def test_string_and_integer_labels(labels, small):
    X, y = small
    y = np.asarray(labels)[y % len(labels)]
    clf = MLPClassifier(max_iter=20, random_state=0).fit(X, y)
    assert list(clf.classes_) == sorted(labels)
    assert set(clf.predict(X)) <= set(labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    assert clf.n_outputs_ == (1 if len(labels) == 2 else len(labels))
    assert clf.out_activation_ == ("logistic" if len(labels) == 2 else "softmax")
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_multilabel_indicator_targets(small):
    X, _ = small
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0]).astype(int)
    clf = MLPClassifier(max_iter=200, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    assert clf.predict(X).shape == Y.shape and clf.predict_proba(X).shape == Y.shape
    assert clf.score(X, Y) > 0.7


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_single_class_is_learnt_and_predicted(small, solver):
    # As in scikit-learn, one class trains; predict answers it, and
    # predict_proba is one column of 1.0, consistent with classes_.
    X, _ = small
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, solver=solver,
                        random_state=0).fit(X, np.full(len(X), "only"))
    assert clf.classes_.tolist() == ["only"]
    assert (clf.predict(X) == "only").all()
    np.testing.assert_array_equal(clf.predict_proba(X), np.ones((len(X), 1)))
    np.testing.assert_array_equal(clf.predict_log_proba(X), np.zeros((len(X), 1)))
    assert clf.score(X, np.full(len(X), "only")) == 1.0
    assert clf.score(X, np.full(len(X), "other")) == 0.0


def test_a_single_class_with_partial_fit_and_early_stopping(small):
    X, _ = small
    clf = MLPClassifier(hidden_layer_sizes=(3,), random_state=0)
    clf.partial_fit(X, np.zeros(len(X), int), classes=[0]).partial_fit(X, np.zeros(len(X), int))
    assert clf.n_iter_ == 2 and clf.predict_proba(X[:2]).shape == (2, 1)
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=4, early_stopping=True,
                        n_iter_no_change=10, random_state=0).fit(X, np.zeros(len(X), int))
    assert clf.validation_scores_ == [1.0] * 4  # every prediction is the one class


# ------------------------------------------------------------ dtypes, numerics
def test_float32_trains_and_predicts_in_float32(small):
    X, y = small
    X32 = X.astype(np.float32)
    clf = MLPClassifier(max_iter=5, random_state=0).fit(X32, y)
    assert all(W.dtype == np.float32 for W in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X32).dtype == np.float32
    assert clf._trainer.optimizer.first_moment.dtype == np.float32
    clf.partial_fit(X32[:10], y[:10])
    assert clf.coefs_[0].dtype == np.float32


def test_float64_stays_float64(small):
    X, y = small
    clf = MLPClassifier(max_iter=2).fit(X, y)
    assert clf.coefs_[0].dtype == np.float64 and clf.predict_proba(X).dtype == np.float64


@pytest.mark.parametrize("n_classes", [2, 3])
def test_extreme_inputs_give_finite_probabilities(n_classes, small):
    X, y = small
    clf = MLPClassifier(hidden_layer_sizes=(8,), activation="identity", max_iter=5,
                        random_state=0).fit(X, y % n_classes)
    X_extreme = np.array([[1e4] * 6, [-1e4] * 6, [1e4, -1e4] * 3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = clf.predict_proba(X_extreme)
        log_proba = clf.predict_log_proba(X_extreme)
    assert np.all(np.isfinite(proba)) and np.all(np.isfinite(log_proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    assert log_proba.min() < -50  # a probability that underflows, with a finite log


def test_predict_log_proba_is_the_log_of_predict_proba(small):
    X, y = small
    for labels in (y, y % 2):
        clf = MLPClassifier(max_iter=5, random_state=0).fit(X, labels)
        np.testing.assert_allclose(clf.predict_log_proba(X), np.log(clf.predict_proba(X)),
                                   rtol=1e-9, atol=1e-12)


def test_predictions_are_thread_safe(digits):
    X_train, X_test, y_train, _ = digits
    clf = MLPClassifier(max_iter=5, random_state=0).fit(X_train, y_train)
    # A different input per call (rolled rows), so that a shared scratch buffer
    # would mix the results of concurrent calls; copies of each result, so that
    # a buffer returned to two callers cannot compare equal to itself.
    inputs = [np.roll(X_test, shift, axis=0) for shift in range(32)]
    serial = [clf.predict_proba(X).copy() for X in inputs]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda X: clf.predict_proba(X).copy(), inputs))
    for result, expected in zip(results, serial):
        np.testing.assert_array_equal(result, expected)


# ------------------------------------------------------ parameters, errors
@pytest.mark.parametrize("params", [
    dict(activation="softmax"), dict(activation="sigmoid"), dict(solver="lbfgs2"),
    dict(learning_rate_init=0.0), dict(alpha=-1.0), dict(max_iter=0), dict(batch_size=0),
    dict(momentum=1.5), dict(hidden_layer_sizes="big"),
])
def test_invalid_parameters_raise_at_fit(params, small):
    X, y = small
    with pytest.raises(InvalidParameterError):
        MLPClassifier(**params).fit(X, y)


@pytest.mark.parametrize("sizes", [(0,), (10, -1)])
def test_non_positive_hidden_sizes_are_rejected(sizes, small):
    X, y = small
    with pytest.raises((ValueError, InvalidParameterError), match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=sizes).fit(X, y)


def test_predict_before_fit(small):
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(small[0])


def test_no_hidden_layer_is_logistic_regression(small):
    X, y = small
    clf = MLPClassifier(hidden_layer_sizes=(), max_iter=50, random_state=0).fit(X, y)
    assert clf.n_layers_ == 2 and clf.coefs_[0].shape == (6, 3)


def test_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = make_classification(n_samples=50, n_features=3, n_informative=2, n_redundant=0,
                               random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    clf = MLPClassifier(max_iter=2).fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b", "c"])


# ---------------------------------------------------------------- ecosystem
def test_pipeline_cross_val_score_and_grid_search(small):
    X, y = small
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=50, random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.6
    grid = GridSearchCV(
        pipe,
        {"mlpclassifier__hidden_layer_sizes": [(5,), (20,)],
         "mlpclassifier__learning_rate_init": [0.001, 0.01]},
        cv=3, n_jobs=2,
    ).fit(X, y)
    assert set(grid.best_params_) == {"mlpclassifier__hidden_layer_sizes",
                                      "mlpclassifier__learning_rate_init"}
    serial = GridSearchCV(pipe, grid.param_grid, cv=3, n_jobs=1).fit(X, y)
    assert serial.best_params_ == grid.best_params_
    np.testing.assert_allclose(serial.cv_results_["mean_test_score"],
                               grid.cv_results_["mean_test_score"])


def test_clone_gives_an_unfitted_copy(small):
    X, y = small
    clf = MLPClassifier(hidden_layer_sizes=(7,), alpha=0.1, max_iter=2).fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "coefs_")


def test_pickle_round_trip_and_continued_training(small):
    X, y = small
    clf = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    clf.partial_fit(X[:30], y[:30])
    restored.partial_fit(X[:30], y[:30])
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_joblib_round_trip_in_a_new_process(small, tmp_path):
    X, y = small
    clf = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    path = tmp_path / "model.joblib"
    joblib.dump(clf, path)
    np.save(tmp_path / "X.npy", X)
    code = textwrap.dedent(f"""
        import joblib, numpy as np
        clf = joblib.load({str(path)!r})
        np.save({str(tmp_path / 'proba.npy')!r}, clf.predict_proba(np.load({str(tmp_path / 'X.npy')!r})))
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))


def test_assigned_coefs_are_used_by_predict_and_training(small):
    X, y = small
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    clf.coefs_ = [np.zeros_like(W) for W in clf.coefs_]
    clf.intercepts_ = [np.zeros_like(b) for b in clf.intercepts_]
    np.testing.assert_allclose(clf.predict_proba(X), 1 / 3)
    clf.partial_fit(X, y)  # continues from the assigned zeros
    assert np.shares_memory(clf.coefs_[0], clf._trainer.params)
    assert np.abs(clf.coefs_[0]).max() < 0.01


def test_docstring_documents_every_parameter_and_fitted_attribute(small):
    from numpydoc.docscrape import ClassDoc

    doc = ClassDoc(MLPClassifier)
    documented = {p.name for p in doc["Parameters"]}
    assert documented == set(MLPClassifier().get_params())
    clf = MLPClassifier(max_iter=2, early_stopping=True).fit(*small)
    fitted = {name for name in vars(clf) if name.endswith("_") and not name.startswith("_")}
    attributes = {a.name for a in doc["Attributes"]}
    assert fitted <= attributes, fitted - attributes


def test_fit_makes_no_copy_of_X():
    """Extra peak memory of fit stays far below X.nbytes (issue 4's budget: 25%).

    What fit allocates besides X is per-batch buffers and a few copies of the
    parameters and optimizer state (about 2 MB here, against 32 MB of X); a
    single copy of X would exceed the budget four times over.
    """
    import gc
    import tracemalloc

    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=20_000, n_features=400, n_informative=20,
                               n_classes=4, random_state=0)
    X = X.astype(np.float32)
    clf = MLPClassifier(hidden_layer_sizes=(64,), batch_size=200, max_iter=2, random_state=0)
    gc.collect()
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.25 * X.nbytes, f"fit allocated {peak / X.nbytes:.0%} of X.nbytes"
    assert clf.coefs_[0].dtype == np.float32


# ------------------------------------------------------------------ AdamW
def test_adamw_trains_partial_fits_and_takes_set_params_between_calls():
    from sklearn.base import clone
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(8,), solver="adamw", weight_decay=0.1,
                        learning_rate_init=0.01, max_iter=300, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clone(clf).get_params()["weight_decay"] == 0.1
    clf.partial_fit(X[:20], y[:20])
    moments = clf._trainer.optimizer.first_moment.copy()
    clf.set_params(weight_decay=0.3).partial_fit(X[:20], y[:20])
    assert clf._trainer.optimizer.weight_decay == 0.3
    assert not np.array_equal(clf._trainer.optimizer.first_moment, moments)  # state kept


def test_weight_decay_shrinks_the_weights_and_leaves_adam_alone():
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=100, n_features=6, random_state=0)
    common = dict(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=50,
                  random_state=0)
    norms = {}
    for decay in (0.0, 5.0):
        clf = MLPClassifier(solver="adamw", weight_decay=decay, **common).fit(X, y)
        norms[decay] = sum(float(np.sum(W**2)) for W in clf.coefs_)
    assert norms[5.0] < 0.5 * norms[0.0]
    with_adam = MLPClassifier(solver="adam", weight_decay=5.0, **common).fit(X, y)
    without = MLPClassifier(solver="adamw", weight_decay=0.0, **common).fit(X, y)
    for a, b in zip(with_adam.coefs_, without.coefs_):
        np.testing.assert_array_equal(a, b)  # 'adam' does not read weight_decay


def test_weight_decay_must_be_non_negative():
    with pytest.raises(ValueError, match="weight_decay"):
        MLPClassifier(solver="adamw", weight_decay=-1.0).fit([[0.0], [1.0]], [0, 1])
