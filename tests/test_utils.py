import numpy as np
import pytest
from sklearn.datasets import load_iris

from skmlp import MLPClassifier
from skmlp._core import activations
from skmlp.utils import check_gradients


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X[::7], y[::7]


@pytest.mark.parametrize("params", [
    dict(hidden_layer_sizes=(6,), activation="tanh"),
    dict(hidden_layer_sizes=(5, 4), activation="logistic", loss="squared_error", alpha=0.5),
    dict(hidden_layer_sizes=(3, 3, 3), activation="elu", dropout=0.5),
])
def test_check_gradients_passes_for_correct_backprop(params, iris):
    errors = check_gradients(MLPClassifier(random_state=0, **params), *iris)
    assert errors.shape == (len(params["hidden_layer_sizes"]) + 1,)
    assert errors.max() < 1e-6


def test_check_gradients_uses_fitted_weights_and_leaves_the_model_alone(iris):
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=300, random_state=0).fit(*iris)
    before = [W.copy() for W in clf.coefs_]
    assert check_gradients(clf, *iris, sample_weight=np.arange(1, 23)).max() < 1e-6
    for W, W0 in zip(clf.coefs_, before):
        np.testing.assert_array_equal(W, W0)


def test_check_gradients_catches_a_wrong_derivative(iris, monkeypatch):
    table = dict(activations.ACTIVATIONS)
    wrong = activations.Activation(table["tanh"].function, lambda A, delta: delta, "wrong")
    monkeypatch.setitem(activations.ACTIVATIONS, "tanh", wrong)
    errors = check_gradients(MLPClassifier(hidden_layer_sizes=(6,), activation="tanh",
                                           random_state=0), *iris)
    assert errors[0] > 1e-2  # the first layer's gradient goes through the wrong f'
    assert errors[1] < 1e-6  # the output layer's does not


def test_large_layers_are_sampled(iris):
    errors = check_gradients(MLPClassifier(hidden_layer_sizes=(100,), random_state=0),
                             *iris, max_params=20)
    assert errors.max() < 1e-6
