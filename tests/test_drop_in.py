"""Drop-in trust: skmlp accepts what scikit-learn's MLP accepts, and hostile input
gets a clear error (the model unchanged) or a correct, finite result.

Three tables drive most of this module:

- ``ACCEPTED``: inputs scikit-learn's MLP trains on, which skmlp once refused;
  each must train and predict with both libraries.
- ``HOSTILE``: inputs that used to slip through (a deep NumPy error, NaN
  losses, a silently wrong answer); each is now refused with a ``ValueError``
  that names the problem, and the estimator, fitted or not, is left byte for
  byte as it was.
- real scikit-learn clients that need the accepted inputs
  (``MultiOutputClassifier`` and ``ClassifierChain`` with a constant column,
  ``learning_curve`` on class-sorted data, calibration, stacking).
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import StackingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, learning_curve
from sklearn.multioutput import ClassifierChain, MultiOutputClassifier
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from skmlp import MLPClassifier, MLPRegressor
from skmlp.exceptions import DivergenceWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
y2 = np.arange(40) % 2
y3 = np.arange(40) % 3
y_real = X @ [1.0, -2.0, 0.5]
SMALL = dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
SKLEARN = {MLPClassifier: SkClassifier, MLPRegressor: SkRegressor}

# (case, estimator, parameters, fit args, fit kwargs)
ACCEPTED = [
    ("one class", MLPClassifier, {}, (X, np.zeros(40)), {}),
    ("one class, lbfgs", MLPClassifier, {"solver": "lbfgs"}, (X, np.full(40, "a")), {}),
    ("one class, early stopping", MLPClassifier, {"early_stopping": True},
     (X, np.zeros(40)), {}),
    ("early stopping, 20 rows of 3 classes", MLPClassifier, {"early_stopping": True},
     (X[:20], y3[:20]), {}),
    ("early stopping, a class of one row", MLPClassifier,
     {"early_stopping": True, "validation_fraction": 0.2}, (X[:31], np.r_[y2[:30], 2]), {}),
    ("validation_fraction=0 without early stopping", MLPRegressor,
     {"validation_fraction": 0.0}, (X, y_real), {}),
    ("float32 data, weights summing beyond float32", MLPRegressor, {},
     (X.astype(np.float32), y_real), {"sample_weight": np.full(40, 1e38)}),
    ("float32 data, a weight beyond float32", MLPRegressor, {},
     (X.astype(np.float32), y_real), {"sample_weight": np.r_[1e39, np.ones(39)]}),
]


@pytest.mark.parametrize("case, Estimator, params, args, kwargs", ACCEPTED,
                         ids=[row[0] for row in ACCEPTED])
def test_what_scikit_learn_accepts_trains(case, Estimator, params, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn may overflow on the way
        SKLEARN[Estimator](**SMALL, **params).fit(*args, **kwargs)  # the premise
    model = Estimator(**SMALL, **params).fit(*args, **kwargs)
    prediction = model.predict(args[0])
    assert prediction.shape[0] == len(args[0])
    assert np.all(np.isfinite(model.coefs_[0])) and np.isfinite(model.loss_)


def test_huge_weights_are_rescaled_not_refused():
    # Only the ratios of the weights matter: 1e308 everywhere trains exactly as 1.
    a = MLPClassifier(**SMALL).fit(X, y2, sample_weight=np.full(40, 1e308))
    b = MLPClassifier(**SMALL).fit(X, y2, sample_weight=np.ones(40))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_score_passes_negative_weights_to_the_metric_as_scikit_learn():
    clf = MLPClassifier(**SMALL).fit(X, y2)
    weights = -np.ones(40)
    expected = np.average(clf.predict(X) == y2, weights=weights)
    assert clf.score(X, y2, sample_weight=weights) == pytest.approx(expected)


@pytest.mark.parametrize("make_sparse", [sp.csr_matrix, sp.csc_array])
def test_a_sparse_multi_output_target_trains_as_its_dense_copy(make_sparse):
    Y = np.c_[y_real, -y_real]
    dense = MLPRegressor(**SMALL).fit(X, Y)
    sparse = MLPRegressor(**SMALL).fit(X, make_sparse(Y))
    np.testing.assert_array_equal(sparse.predict(X), dense.predict(X))


def test_sigmoid_outputs_stay_normalised_far_from_the_data():
    clf = MLPClassifier(hidden_layer_sizes=(8,), output_activation="logistic", max_iter=50,
                        random_state=0).fit(X, y3)
    far = rng.normal(size=(500, 3)) * 1e4
    proba = clf.predict_proba(far)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(far), clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(clf.predict_log_proba(far), np.log(proba))


def _edited(edit):
    def apply(model):
        edit(model)
        return model
    return apply


NEW, FITTED = "new", "fitted"
# (case, estimator, state, prepare, method, args, message)
HOSTILE = [
    ("object y holding None", MLPRegressor, NEW, None, "fit",
     (X, np.array([1.0, None] * 20, dtype=object)), "Input y contains NaN"),
    ("y beyond float32 for float32 data", MLPRegressor, NEW, None, "fit",
     (X.astype(np.float32), y_real * 1e39), "y holds values that are not finite in float32"),
    ("X beyond float32 for a float32 model (partial_fit)", MLPRegressor, "fitted32", None,
     "partial_fit", (X * 1e39, y_real), "X holds values that are not finite in float32"),
    ("X beyond float32 for a float32 model (warm start)", MLPRegressor, "fitted32",
     _edited(lambda m: m.set_params(warm_start=True)), "fit", (X * 1e39, y_real),
     "X holds values that are not finite in float32"),
    ("lbfgs on huge targets", MLPRegressor, NEW, _edited(lambda m: m.set_params(solver="lbfgs")),
     "fit", (X, y_real * 1e200), "Solver produced non-finite parameter weights"),
    ("lbfgs on huge float32 targets", MLPRegressor, FITTED,
     _edited(lambda m: m.set_params(solver="lbfgs")), "fit",
     (X.astype(np.float32) * 1e20, y_real * 1e20), "Solver produced non-finite"),
    ("inputs near the float64 maximum", MLPRegressor, NEW, None, "fit",
     (rng.uniform(size=(10, 2)) * np.finfo(np.float64).max, np.ones(10)),
     "Solver produced non-finite parameter weights"),
    ("a Poisson fit whose kept weights predict inf", MLPRegressor, NEW,
     _edited(lambda m: m.set_params(loss="poisson")), "fit",
     (X * 1500, rng.poisson(3.0, 40)), "Solver produced non-finite parameter weights"),
    ("zero weight on every validation row", MLPClassifier, FITTED,
     _edited(lambda m: m.set_params(early_stopping=True, validation_fraction=0.5)), "fit",
     (X[:4], y2[:4]), "has sample weight"),
    ("a layer popped from coefs_", MLPClassifier, FITTED,
     _edited(lambda m: (m.coefs_.pop(), m.intercepts_.pop())), "predict_proba", (X,),
     "do not form a network from 3 inputs to 3 outputs"),
    ("a transposed coefs_ matrix", MLPClassifier, FITTED,
     _edited(lambda m: m.coefs_.__setitem__(0, m.coefs_[0].T)), "predict", (X,),
     r"coefs_ has shapes \[\(4, 3\), \(4, 3\)\]"),
    ("a bias of the wrong length", MLPRegressor, FITTED,
     _edited(lambda m: m.intercepts_.__setitem__(0, m.intercepts_[0][:-1])), "predict", (X,),
     r"intercepts_ \[\(3,\), \(1,\)\]"),
    ("a layer popped in place, then partial_fit", MLPClassifier, FITTED,
     _edited(lambda m: (m.coefs_.pop(), m.intercepts_.pop())), "partial_fit", (X, y3),
     "coefs_ and intercepts_ have shapes"),
]


def _model(Estimator, state):
    model = Estimator(**SMALL)
    if state == FITTED:
        model.fit(X, y3 if Estimator is MLPClassifier else y_real)
    elif state == "fitted32":
        model.fit(X.astype(np.float32), y_real)
    return model


@pytest.mark.parametrize("case, Estimator, state, prepare, method, args, message", HOSTILE,
                         ids=[row[0] for row in HOSTILE])
def test_hostile_input_is_refused_and_changes_nothing(case, Estimator, state, prepare, method,
                                                      args, message):
    model = _model(Estimator, state)
    if prepare is not None:
        prepare(model)
    kwargs = {}
    if case.startswith("zero weight"):
        kwargs["sample_weight"] = [1.0, 0.0, 0.0, 0.0]
    before = pickle.dumps(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow warning leaks
        with pytest.raises(ValueError, match=message):
            getattr(model, method)(*args, **kwargs)
    assert pickle.dumps(model) == before
    if state == NEW:
        with pytest.raises(NotFittedError):
            model.predict(X)


def test_a_diverged_fit_keeps_a_model_that_predicts_finite_values():
    X_big = np.tile(X, (5, 1)) * 1e3
    model = MLPClassifier(hidden_layer_sizes=(50, 50), activation="identity", solver="sgd",
                          learning_rate_init=1e10, max_iter=50, random_state=0)
    with pytest.warns(DivergenceWarning):
        model.fit(X_big, np.tile(y2, 5))
    assert np.isfinite(model.predict_proba(X_big)).all()


def test_the_divergence_warning_names_the_epoch_that_diverged():
    X_wide = rng.normal(size=(200, 4))
    for early_stopping in (False, True):
        model = MLPRegressor(hidden_layer_sizes=(20,), solver="sgd", momentum=0.99,
                             learning_rate_init=0.05, early_stopping=early_stopping, max_iter=50,
                             n_iter_no_change=100, random_state=0)
        with pytest.warns(DivergenceWarning, match=r"diverged in epoch (\d+)") as record:
            model.fit(X_wide, 300 * X_wide[:, 0])
        epoch = int(str(record[0].message).split("epoch ")[1].split(":")[0])
        if early_stopping:  # the diverged epoch is recorded, with a NaN score
            assert np.isnan(model.validation_scores_[epoch - 1]) and model.n_iter_ == epoch
        else:  # the epochs before it completed
            assert model.n_iter_ == epoch - 1


def test_a_diverged_epoch_has_a_nan_validation_score_as_in_scikit_learn():
    X_big = np.tile(X, (5, 1)) * 1e3
    model = MLPClassifier(hidden_layer_sizes=(50, 50), activation="identity", solver="sgd",
                          learning_rate_init=1e10, max_iter=50, early_stopping=True,
                          n_iter_no_change=50, random_state=0)
    with pytest.warns(DivergenceWarning):
        model.fit(X_big, np.tile(y2, 5))
    assert np.isnan(model.validation_scores_[-1]) and np.isnan(model.loss_curve_[-1])
    assert len(model.validation_scores_) == len(model.loss_curve_) == model.n_iter_
    assert np.isfinite(model.predict_proba(X_big)).all()


# ------------------------------------------------------------ real clients
def test_multi_output_and_chain_with_a_constant_column():
    Y = np.c_[y2, np.zeros(40, int), y3]
    for meta in (MultiOutputClassifier(MLPClassifier(**SMALL)),
                 ClassifierChain(MLPClassifier(**SMALL), order=[0, 1, 2])):
        predicted = meta.fit(X, Y).predict(X)
        assert predicted.shape == (40, 3)
        assert (predicted[:, 1] == 0).all()


def test_learning_curve_on_class_sorted_data():
    order = np.argsort(y3, kind="stable")  # the first folds see a single class
    sizes, train_scores, test_scores = learning_curve(
        MLPClassifier(**SMALL), X[order], y3[order], train_sizes=[0.2, 0.5, 1.0],
        cv=KFold(3), error_score="raise")
    assert np.isfinite(test_scores).all() and np.isfinite(train_scores).all()


def test_calibration_and_stacking():
    calibrated = CalibratedClassifierCV(MLPClassifier(**SMALL), cv=3).fit(X, y3)
    assert calibrated.predict_proba(X).shape == (40, 3)
    stack = StackingClassifier([("mlp", MLPClassifier(**SMALL)),
                                ("lr", LogisticRegression())], cv=3).fit(X, y3)
    assert stack.predict(X).shape == (40,)
    assert clone(stack).get_params()["mlp__hidden_layer_sizes"] == (4,)
