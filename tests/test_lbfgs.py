import numpy as np
import pytest
import scipy.optimize

from skmlp._core.objective import loss_and_gradient
from skmlp._lbfgs import fit_lbfgs
from skmlp._training import Trainer

OBJECTIVE = dict(hidden_activation="tanh", output_activation="softmax", loss="log_loss",
                 alpha=1e-3)
LAYERS = (4, 5, 3)


def _trainer(rng, dtype=np.float64, objective=OBJECTIVE):
    return Trainer.initialize(LAYERS, rng, dtype, objective)  # L-BFGS needs no optimizer


def _data(rng, n=60, dtype=np.float64):
    X = rng.normal(size=(n, 4))
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    return X.astype(dtype), np.eye(3, dtype=dtype)[labels]


def _loss(trainer, X, Y, sample_weight=None):
    return loss_and_gradient(trainer.params, trainer.layout, X, Y,
                             sample_weight=sample_weight, **trainer.objective)


def _reference_loss_and_gradient(x, X, Y, alpha, n_hidden):
    """Softmax cross-entropy of a 1-hidden-layer tanh network, written out plainly.

    ``x`` holds W1 (row-major), W2, then b1, b2.
    """
    n_in, n_out = X.shape[1], Y.shape[1]
    sizes = [n_in * n_hidden, n_hidden * n_out, n_hidden, n_out]
    W1, W2, b1, b2 = np.split(x, np.cumsum(sizes)[:-1])
    W1, W2 = W1.reshape(n_in, n_hidden), W2.reshape(n_hidden, n_out)
    n = X.shape[0]
    H = np.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    Z = Z - Z.max(axis=1, keepdims=True)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    weights = np.concatenate([W1.ravel(), W2.ravel()])
    loss = -np.sum(Y * np.log(P)) / n + alpha / (2 * n) * weights @ weights
    dZ = (P - Y) / n
    dW2 = H.T @ dZ + alpha / n * W2
    dH = (dZ @ W2.T) * (1 - H**2)
    dW1 = X.T @ dH + alpha / n * W1
    grad = np.concatenate([dW1.ravel(), dW2.ravel(), dH.sum(axis=0), dZ.sum(axis=0)])
    return loss, grad


def test_lbfgs_fits_an_easy_problem_and_records_each_iteration(rng):
    trainer = _trainer(rng)
    X, Y = _data(rng)
    start_loss, _ = _loss(trainer, X, Y)
    seen = []

    def hook(t):
        seen.append((t.history.n_iter, t.params.copy()))
        return False

    converged, message = fit_lbfgs(trainer, X, Y, max_iter=500, max_fun=15000, tol=1e-5,
                                   on_iteration=hook)
    history = trainer.history
    final_loss, grad = _loss(trainer, X, Y)
    assert converged, message
    assert final_loss < 0.2 * start_loss
    assert np.max(np.abs(grad)) <= 1e-5
    assert history.n_iter == len(seen) > 0
    assert [n for n, _ in seen] == list(range(1, len(seen) + 1))
    assert len(history.loss_curve) == history.n_iter
    assert history.loss_curve[-1] == pytest.approx(final_loss, rel=1e-12)
    assert history.best_loss == min(history.loss_curve)
    assert history.t == 0  # like scikit-learn's t_, counted by stochastic solvers only
    # Each recorded loss is the loss at the iterate the hook saw.
    for (_, params), recorded in zip(seen[::7], history.loss_curve[::7]):
        value, _ = loss_and_gradient(params, trainer.layout, X, Y, **OBJECTIVE)
        assert recorded == pytest.approx(value, rel=1e-12)


def test_float32_trainer_stays_float32_and_keeps_views(rng):
    trainer = _trainer(rng, dtype=np.float32)
    X, Y = _data(rng, dtype=np.float32)
    start_loss, _ = _loss(trainer, X, Y)
    params = trainer.params
    fit_lbfgs(trainer, X, Y, max_iter=100, max_fun=15000, tol=1e-4)
    assert trainer.params is params and trainer.params.dtype == np.float32
    assert trainer.grad.dtype == np.float32
    assert all(np.shares_memory(W, trainer.params) for W in trainer.coefs)
    assert all(np.shares_memory(b, trainer.params) for b in trainer.intercepts)
    assert _loss(trainer, X, Y)[0] < 0.5 * start_loss
    assert trainer.history.n_iter > 1


def test_iteration_limit_stops_without_converging(rng):
    trainer = _trainer(rng)
    X, Y = _data(rng)
    converged, message = fit_lbfgs(trainer, X, Y, max_iter=3, max_fun=15000, tol=1e-8)
    assert not converged and "ITERATIONS" in message
    assert "status=1" in message and "max_iter (now 3)" in message
    assert trainer.history.n_iter == 3 and len(trainer.history.loss_curve) == 3


def test_evaluation_limit_stops_without_converging(rng):
    trainer = _trainer(rng)
    X, Y = _data(rng)
    calls = []
    real = trainer.loss_and_gradient
    trainer.loss_and_gradient = lambda *args: calls.append(1) or real(*args)
    converged, message = fit_lbfgs(trainer, X, Y, max_iter=500, max_fun=5, tol=1e-8)
    assert not converged and "EVALUATIONS" in message and "max_fun (now 5)" in message
    # SciPy checks max_fun at the end of an iteration, so it may overshoot a little.
    assert 5 < len(calls) < 5 + 20
    assert trainer.history.n_iter < 10


def test_hook_returning_true_stops_after_that_iteration(rng):
    trainer = _trainer(rng)
    X, Y = _data(rng)
    converged, _ = fit_lbfgs(trainer, X, Y, max_iter=500, max_fun=15000, tol=1e-8,
                             on_iteration=lambda t: t.history.n_iter == 2)
    assert converged  # asked to stop: nothing to warn about
    assert trainer.history.n_iter == 2 and len(trainer.history.loss_curve) == 2
    assert trainer.history.loss_curve[-1] == pytest.approx(_loss(trainer, X, Y)[0], rel=1e-12)


def test_converged_at_start_records_the_loss_without_iterating(rng):
    trainer = _trainer(rng)
    X, Y = _data(rng)
    before = trainer.params.copy()
    converged, _ = fit_lbfgs(trainer, X, Y, max_iter=500, max_fun=15000, tol=1e3)
    assert converged and trainer.history.n_iter == 0
    np.testing.assert_array_equal(trainer.params, before)
    assert trainer.history.loss_curve == [pytest.approx(_loss(trainer, X, Y)[0])]


def test_failed_line_search_is_not_convergence(rng):
    trainer = _trainer(rng)
    X, Y = _data(rng)
    before = trainer.params.copy()
    real = trainer.loss_and_gradient

    def wrong_gradient(*args):  # points uphill: no step can decrease the loss
        loss, grad = real(*args)
        return loss, -grad

    trainer.loss_and_gradient = wrong_gradient
    converged, message = fit_lbfgs(trainer, X, Y, max_iter=500, max_fun=15000, tol=1e-8)
    assert not converged and "ABNORMAL" in message and "status=2" in message
    np.testing.assert_array_equal(trainer.params, before)  # back at the last iterate
    assert len(trainer.history.loss_curve) == 1


def test_matches_scipy_on_an_independent_reference_loss(rng):
    trainer = _trainer(rng)
    X, Y = _data(rng)
    x0 = trainer.params.copy()
    value, grad = _reference_loss_and_gradient(x0, X, Y, OBJECTIVE["alpha"], LAYERS[1])
    ours_value, ours_grad = _loss(trainer, X, Y)
    assert ours_value == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(ours_grad, grad, rtol=1e-10, atol=1e-14)

    options = dict(maxfun=15000, maxiter=40, gtol=1e-8)
    reference = scipy.optimize.minimize(
        _reference_loss_and_gradient, x0, args=(X, Y, OBJECTIVE["alpha"], LAYERS[1]),
        method="L-BFGS-B", jac=True, options=options,
    )
    fit_lbfgs(trainer, X, Y, max_iter=40, max_fun=15000, tol=1e-8)
    assert trainer.history.n_iter == reference.nit == 40
    np.testing.assert_allclose(trainer.params, reference.x, rtol=1e-6, atol=1e-8)
    assert trainer.history.loss_curve[-1] == pytest.approx(reference.fun, rel=1e-9)


def test_integer_sample_weight_equals_repeated_rows(rng):
    X, Y = _data(rng, n=30)
    weights = rng.integers(0, 4, size=30)
    weighted = _trainer(rng)
    repeated = Trainer(LAYERS, weighted.params.copy(), None, OBJECTIVE)
    fit_lbfgs(weighted, X, Y, weights.astype(np.float64), max_iter=30, max_fun=15000,
              tol=1e-8)
    fit_lbfgs(repeated, np.repeat(X, weights, axis=0), np.repeat(Y, weights, axis=0),
              max_iter=30, max_fun=15000, tol=1e-8)
    assert weighted.history.n_iter == repeated.history.n_iter
    np.testing.assert_allclose(weighted.params, repeated.params, rtol=1e-6, atol=1e-8)
    assert weighted.history.loss_curve[-1] == pytest.approx(repeated.history.loss_curve[-1],
                                                            rel=1e-9)
