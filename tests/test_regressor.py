"""MLPRegressor: targets, outputs, losses, and the behaviours it shares with the classifier."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.metrics import r2_score
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPRegressor
from skmlp.exceptions import DivergenceWarning
from skmlp.utils import check_gradients

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(n_samples=120, n_features=5, n_targets=1, noise=1.0,
                           random_state=0)
    X = StandardScaler().fit_transform(X)
    return X, (y - y.mean()) / y.std()


@pytest.fixture(scope="module")
def data2():
    X, Y = make_regression(n_samples=120, n_features=5, n_targets=3, noise=1.0,
                           random_state=1)
    X = StandardScaler().fit_transform(X)
    return X, (Y - Y.mean(axis=0)) / Y.std(axis=0)


def test_signature_matches_scikit_learn():
    import inspect

    ours = list(inspect.signature(MLPRegressor).parameters)
    theirs = list(inspect.signature(SkMLPRegressor).parameters)
    assert ours[:len(theirs)] == theirs and ours[len(theirs):] == ["dropout", "weight_decay"]
    for name in theirs:
        assert (inspect.signature(MLPRegressor).parameters[name].default
                == inspect.signature(SkMLPRegressor).parameters[name].default), name


def test_prediction_shapes_follow_scikit_learn(data, data2):
    X, y = data
    reg = MLPRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (120,) and reg.n_outputs_ == 1
    assert reg.out_activation_ == "identity"
    with pytest.warns(DataConversionWarning):
        reg.fit(X, y[:, None])
    assert reg.predict(X).shape == (120,)
    X2, Y2 = data2
    reg.fit(X2, Y2)
    assert reg.predict(X2).shape == (120, 3) and reg.n_outputs_ == 3


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_steps_equal_one_fit_epoch(solver, data2):
    """partial_fit one mini-batch per call == one fit epoch over the same batches."""
    X, Y = data2
    params = dict(hidden_layer_sizes=(6, 4), solver=solver, learning_rate_init=0.01,
                  batch_size=25, shuffle=False, random_state=3)
    fitted = MLPRegressor(max_iter=1, **params).fit(X, Y)
    stepped = MLPRegressor(**params)
    for start in range(0, 120, 25):
        stepped.partial_fit(X[start:start + 25], Y[start:start + 25])
    assert stepped.n_iter_ == 5 and stepped.t_ == fitted.t_ == 120
    for a, b in zip(fitted.coefs_ + fitted.intercepts_, stepped.coefs_ + stepped.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_is_one_step_not_an_epoch(data):
    X, y = data
    reg = MLPRegressor(hidden_layer_sizes=(4,), batch_size=10, random_state=0)
    reg.partial_fit(X, y)
    assert reg.n_iter_ == 1 and reg.t_ == 120


def test_squared_error_loss_is_scikit_learns_for_several_targets(data2):
    """loss_ = 1/2 mean over samples and targets of the squared errors (+ penalty)."""
    X, Y = data2
    reg = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", alpha=0.0, max_iter=30,
                       random_state=0).fit(X, Y)
    expected = 0.5 * np.mean((reg.predict(X) - Y) ** 2)
    assert reg.loss_ == pytest.approx(expected, rel=1e-10)


def test_poisson_uses_an_exponential_output_and_scikit_learns_deviance():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1]))
    reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(6,), solver="lbfgs", alpha=0.0,
                       max_iter=50, random_state=0).fit(X, y)
    assert reg.out_activation_ == "exp"
    pred = reg.predict(X)
    assert (pred > 0).all()
    # scikit-learn's loss_: half the deviance, its constant term kept (zero at y = a).
    from scipy.special import xlogy

    assert reg.loss_ == pytest.approx(np.mean(xlogy(y, y / pred) - y + pred), rel=1e-8)
    # Held out, it predicts counts as well as scikit-learn's Poisson MLP.
    from sklearn.metrics import mean_poisson_deviance

    X_new = rng.normal(size=(400, 3))
    y_new = rng.poisson(np.exp(0.5 * X_new[:, 0] - 0.3 * X_new[:, 1]))
    params = dict(loss="poisson", hidden_layer_sizes=(6,), solver="lbfgs", alpha=1e-2,
                  max_iter=100, random_state=0)
    ours = MLPRegressor(**params).fit(X, y).predict(X_new)
    theirs = SkMLPRegressor(**params).fit(X, y).predict(X_new)
    assert mean_poisson_deviance(y_new, ours) <= mean_poisson_deviance(y_new, theirs) + 0.02


def test_poisson_refuses_negative_targets_and_changes_nothing(data):
    X, y = data
    reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with pytest.raises(ValueError, match="loss='poisson' needs non-negative targets"):
        reg.fit(X, y)
    with pytest.raises(NotFittedError):
        reg.predict(X)
    reg.fit(X, np.abs(y))
    before = pickle.dumps(reg)
    with pytest.raises(ValueError, match="non-negative"):
        reg.partial_fit(X, y)
    assert pickle.dumps(reg) == before


@pytest.mark.parametrize("method, kwargs", [("fit", {"warm_start": True}), ("partial_fit", {})])
def test_a_different_number_of_targets_is_refused(method, kwargs, data, data2):
    X, y = data
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0, **kwargs).fit(X, y)
    before = pickle.dumps(reg)
    with pytest.raises(ValueError, match="y has 3 target"):
        getattr(reg, method)(*data2)
    assert pickle.dumps(reg) == before


def test_early_stopping_scores_r2_and_restores_the_best_epoch(data):
    X, y = data
    reg = MLPRegressor(hidden_layer_sizes=(10,), early_stopping=True, max_iter=40,
                       n_iter_no_change=40, learning_rate_init=0.01, random_state=0).fit(X, y)
    scores = reg.validation_scores_
    assert len(scores) == len(reg.validation_loss_curve_) == reg.n_iter_ == 40
    assert reg.best_validation_score_ == max(scores) and reg.best_loss_ is None
    # The validation rows, as the split drew them, score the restored weights.
    from skmlp._base import BaseMLP

    targets = reg._encode_targets(y, None, np.float64, partial=False, classes=None,
                                  continuing=True)
    rng = reg._rng()
    reg._trainer.__class__.initialize((5, 10, 1), rng, np.float64,
                                      reg._trainer.objective)  # the same draws as fit
    _, X_val, Y_val, _ = BaseMLP._split_validation(reg, X, targets, rng)
    assert r2_score(Y_val, reg.predict(X_val)) == pytest.approx(max(scores), rel=1e-9)


def test_float32_end_to_end_and_sparse_equals_dense(data):
    X, y = data
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    reg.fit(X.astype(np.float32), y.astype(np.float32))
    assert reg.coefs_[0].dtype == np.float32
    assert reg.predict(X.astype(np.float32)).dtype == np.float32
    dense = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    sparse = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(
        sp.csr_matrix(X), y)
    np.testing.assert_allclose(dense.predict(X), sparse.predict(sp.csr_matrix(X)), rtol=1e-10)


def test_divergence_keeps_finite_weights_and_warns(data):
    X, y = data
    reg = MLPRegressor(hidden_layer_sizes=(20,), solver="sgd", learning_rate_init=1e3,
                       max_iter=20, random_state=0)
    with pytest.warns(DivergenceWarning, match="diverged"):
        reg.fit(X, 1e3 * y)
    assert np.isfinite(reg.predict(X)).all()


def test_sample_weight_integer_equals_repeated_rows(data):
    X, y = data
    w = np.arange(120) % 3
    params = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=0)
    weighted = MLPRegressor(**params).fit(X, y, sample_weight=w)
    repeated = MLPRegressor(**params).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_gradients_match_finite_differences(loss, data2):
    X, Y = data2
    Y = np.abs(Y) if loss == "poisson" else Y
    w = np.random.default_rng(0).uniform(0.5, 2, size=120)
    reg = MLPRegressor(loss=loss, hidden_layer_sizes=(5, 4), activation="tanh", alpha=0.1,
                       random_state=0)
    assert check_gradients(reg, X[:30], Y[:30], sample_weight=w[:30]).max() < 1e-6
    reg.set_params(max_iter=5).fit(X, Y)
    assert check_gradients(reg, X[:30], Y[:30], sample_weight=w[:30]).max() < 1e-6


def test_pipeline_cross_val_score_and_pickle(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs",
                                                        max_iter=50, random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and (scores > 0.5).all()
    reg = pipe.fit(X, y)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))


def test_held_out_r2_is_as_good_as_scikit_learns_on_diabetes():
    """Same data, same settings, averaged over seeds: at most 0.01 below scikit-learn."""
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    ours, theirs = [], []
    for seed in range(3):
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=seed)
        params = dict(hidden_layer_sizes=(32,), alpha=1e-2, learning_rate_init=1e-2,
                      max_iter=200, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours.append(MLPRegressor(**params).fit(X_train, y_train).score(X_test, y_test))
            theirs.append(SkMLPRegressor(**params).fit(X_train, y_train).score(X_test, y_test))
    assert np.mean(ours) >= np.mean(theirs) - 0.01, (ours, theirs)


def test_skops_loads_a_regressor_trusting_its_class_alone(tmp_path, data2):
    sio = pytest.importorskip("skops.io")
    X, Y = data2
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, Y)
    path = tmp_path / "reg.skops"
    sio.dump(reg, path)
    assert sio.get_untrusted_types(file=path) == ["skmlp._regressor.MLPRegressor"]
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    loaded.partial_fit(X, Y)  # and it trains on
    assert loaded.n_iter_ == reg.n_iter_ + 1


def test_loss_curve_display_shows_training_and_validation_loss(data):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from skmlp.plotting import LossCurveDisplay

    X, y = data
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=6, early_stopping=True,
                       random_state=0).fit(X, y)
    display = LossCurveDisplay.from_estimator(reg)
    curves = [line.get_ydata() for line in display.ax_.get_lines()]
    np.testing.assert_allclose(curves[0], reg.loss_curve_)
    np.testing.assert_allclose(curves[1], reg.validation_loss_curve_)


def test_adamw_regressor_trains_and_partial_fits():
    from sklearn.datasets import make_regression

    X, y = make_regression(n_samples=100, n_features=5, noise=0.1, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(16,), solver="adamw", weight_decay=0.01,
                       learning_rate_init=0.01, max_iter=500, random_state=0)
    reg.fit(X, y / y.std())
    assert reg.score(X, y / y.std()) > 0.9
    n_iter = reg.n_iter_
    reg.set_params(weight_decay=0.0).partial_fit(X[:10], y[:10] / y.std())
    assert reg._trainer.optimizer.weight_decay == 0.0 and reg.n_iter_ == n_iter + 1
