import warnings

import numpy as np
import pytest
from sklearn.metrics import log_loss as sklearn_log_loss

from skmlp._core.losses import LOSSES
from skmlp._core.outputs import OUTPUTS


def _one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]


def test_log_loss_matches_scikit_learn(rng):
    Z = rng.normal(size=(20, 4))
    labels = rng.integers(0, 4, size=20)
    A = OUTPUTS["softmax"].function(Z.copy())
    ours = LOSSES["log_loss"].value(_one_hot(labels, 4), A, "softmax", 1 / 20)
    assert ours == pytest.approx(sklearn_log_loss(labels, A, labels=range(4)), rel=1e-12)


def test_binary_log_loss_matches_scikit_learn(rng):
    A = OUTPUTS["logistic"].function(rng.normal(size=(30, 1)))
    labels = rng.integers(0, 2, size=30)
    ours = LOSSES["log_loss"].value(labels[:, None].astype(float), A, "logistic", 1 / 30)
    assert ours == pytest.approx(sklearn_log_loss(labels, A[:, 0]), rel=1e-12)


def test_squared_error_is_the_quadratic_cost(rng):
    A = rng.uniform(size=(8, 3))
    Y = _one_hot(rng.integers(0, 3, size=8), 3)
    expected = np.mean([0.5 * np.sum((a - y) ** 2) for a, y in zip(A, Y)])
    assert LOSSES["squared_error"].value(Y, A, "softmax", 1 / 8) == pytest.approx(expected)


def test_sample_scale_gives_a_weighted_mean(rng):
    A = OUTPUTS["softmax"].function(rng.normal(size=(5, 3)))
    Y = _one_hot([0, 1, 2, 0, 1], 3)
    w = np.array([1.0, 2.0, 0.0, 3.0, 1.0])
    per_sample = [LOSSES["log_loss"].value(Y[i : i + 1], A[i : i + 1], "softmax", 1.0)
                  for i in range(5)]
    weighted = LOSSES["log_loss"].value(Y, A, "softmax", (w / w.sum())[:, None])
    assert weighted == pytest.approx(np.dot(w, per_sample) / w.sum())


@pytest.mark.parametrize("loss", [n for n, entry in LOSSES.items() if entry.derivative])
def test_derivative_is_dC_dA(loss, rng):
    """``derivative`` against central differences of C with respect to A."""
    Y = rng.uniform(0, 2, size=(4, 3))
    A = rng.uniform(0.2, 1.5, size=(4, 3))
    scale = rng.uniform(0.1, 1, size=(4, 1))
    eps = 1e-6
    numeric = np.empty_like(A)
    for idx in np.ndindex(A.shape):
        dA = np.zeros_like(A)
        dA[idx] = eps
        numeric[idx] = (LOSSES[loss].value(Y, A + dA, None, scale)
                        - LOSSES[loss].value(Y, A - dA, None, scale)) / (2 * eps)
    analytic = LOSSES[loss].derivative(Y, A, scale, out=np.empty_like(A))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-10)


def test_log_loss_never_takes_log_of_zero():
    A = np.array([[1.0, 0.0], [0.0, 1.0]])
    Y = np.array([[0.0, 1.0], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for output in ("softmax", "logistic"):
            value = LOSSES["log_loss"].value(Y, A, output, 0.5)
            assert np.isfinite(value) and value > 0
