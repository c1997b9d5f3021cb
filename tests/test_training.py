import pickle

import numpy as np
import pytest

from skmlp import MLPClassifier
from skmlp._core.objective import loss_and_gradient
from skmlp._parameters import optimizer_arguments
from skmlp._training import EpochHooks, History, Trainer, make_optimizer, run_epoch, run_epochs

OBJECTIVE = dict(hidden_activation="tanh", output_activation="softmax", loss="log_loss",
                 alpha=0.0)


def _arguments(solver, **params):
    """The optimizer arguments of an estimator with ``params`` (the rest default)."""
    return optimizer_arguments(MLPClassifier(solver=solver, **params))


def _trainer(rng, solver="sgd", momentum=0.0, dtype=np.float64):
    trainer = Trainer.initialize((4, 5, 3), rng, dtype, OBJECTIVE)
    trainer.optimizer = make_optimizer(solver, trainer.layout, dtype, **_arguments(
        solver, learning_rate_init=0.1, momentum=momentum))
    return trainer


class _Recorder(EpochHooks):
    def __init__(self, seen):
        self.seen = seen

    def epoch_begin(self, trainer):
        self.seen.append(("begin", trainer.history.n_iter + 1))

    def epoch_end(self, trainer):
        self.seen.append(("end", trainer.history.n_iter))
        return False


def _data(rng, n=40):
    X = rng.normal(size=(n, 4))
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    return X, np.eye(3)[labels]


def test_step_moves_params_by_minus_lr_times_gradient(rng):
    trainer = _trainer(rng)
    X, Y = _data(rng)
    before = trainer.params.copy()
    loss, grad = loss_and_gradient(before, trainer.layout, X, Y, **OBJECTIVE)
    assert trainer.step(X, Y) == pytest.approx(loss)
    np.testing.assert_allclose(trainer.params, before - 0.1 * grad, rtol=1e-12)
    assert trainer.coefs[0].base is not None and np.shares_memory(trainer.coefs[0], trainer.params)


def test_history_stopping_rule():
    history = History()
    for loss in [1.0, 0.5, 0.49995, 0.4999, 0.6]:
        history.record(loss, tol=1e-3)
    assert history.best_loss == 0.4999
    assert history.no_improvement_count == 3
    history.record(0.3, tol=1e-3)
    assert history.no_improvement_count == 0
    history.reset_stopping_rule()
    assert history.best_loss == np.inf and history.n_iter == 0
    assert len(history.loss_curve) == 6


def test_run_epochs_reduces_the_loss_and_stops_on_plateau(rng):
    trainer = _trainer(rng, solver="adam")
    X, Y = _data(rng, n=100)
    converged = run_epochs(trainer, X, Y, None, batch_size=16, max_iter=500, rng=rng,
                           shuffle=True, tol=1e-2, n_iter_no_change=3)
    history = trainer.history
    assert converged and history.n_iter < 500
    assert history.loss_curve[-1] < history.loss_curve[0]
    assert history.t == 100 * history.n_iter


def test_run_epochs_reports_non_convergence_and_calls_the_hook(rng):
    trainer = _trainer(rng)
    X, Y = _data(rng)
    seen = []
    converged = run_epochs(trainer, X, Y, None, batch_size=7, max_iter=4, rng=rng,
                           shuffle=False, tol=0.0, n_iter_no_change=100,
                           hooks=_Recorder(seen))
    assert not converged
    assert seen == [(event, i) for i in range(1, 5) for event in ("begin", "end")]


def test_epoch_loss_is_the_mean_of_batch_losses_weighted_by_size(rng):
    trainer = _trainer(rng)
    X, Y = _data(rng, n=10)
    trainer.optimizer.learning_rate = 0.0  # no update: every batch sees the same params
    full_loss, _ = loss_and_gradient(trainer.params, trainer.layout, X, Y, **OBJECTIVE)
    run_epochs(trainer, X, Y, None, batch_size=3, max_iter=1, rng=rng, shuffle=True,
               tol=0, n_iter_no_change=10)
    assert trainer.history.loss_curve[0] == pytest.approx(full_loss)


def test_pickled_trainer_keeps_views(rng):
    trainer = _trainer(rng, momentum=0.9)
    X, Y = _data(rng)
    trainer.step(X, Y)
    clone = pickle.loads(pickle.dumps(trainer))
    assert np.shares_memory(clone.coefs[0], clone.params)
    trainer.step(X, Y)
    clone.step(X, Y)
    np.testing.assert_array_equal(trainer.params, clone.params)


# ------------------------------------------- fast path vs a plain reference
# An independent, deliberately naive implementation of one training step:
# fresh arrays everywhere, derivatives written in terms of z (the core writes
# them in terms of a), optimizers as the textbook formulas over lists.
REFERENCE_ACTIVATIONS = {
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "logistic": (lambda z: 1 / (1 + np.exp(-z)),
                 lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "relu": (lambda z: np.where(z > 0, z, 0.0), lambda z: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "elu": (lambda z: np.where(z > 0, z, np.exp(z) - 1), lambda z: np.where(z > 0, 1.0, np.exp(z))),
}


def _reference_gradients(coefs, intercepts, X, Y, activation, alpha):
    f, f_prime = REFERENCE_ACTIVATIONS[activation]
    zs, activations = [], [X]
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        z = activations[-1] @ W + b
        zs.append(z)
        if l < len(coefs) - 1:
            activations.append(f(z))
        else:  # softmax output
            e = np.exp(z - z.max(axis=1, keepdims=True))
            activations.append(e / e.sum(axis=1, keepdims=True))
    n = X.shape[0]
    delta = (activations[-1] - Y) / n  # softmax + cross-entropy
    coef_grads, intercept_grads = [None] * len(coefs), [None] * len(coefs)
    for l in reversed(range(len(coefs))):
        coef_grads[l] = activations[l].T @ delta + alpha / n * coefs[l]
        intercept_grads[l] = delta.sum(axis=0)
        if l > 0:
            delta = (delta @ coefs[l].T) * f_prime(zs[l - 1])
    return coef_grads + intercept_grads  # the order of the flat vector


class _ReferenceOptimizer:
    def __init__(self, solver, momentum, nesterov, lr, beta_1=0.9, beta_2=0.999, eps=1e-8):
        self.solver, self.momentum, self.nesterov, self.lr = solver, momentum, nesterov, lr
        self.beta_1, self.beta_2, self.eps = beta_1, beta_2, eps
        self.state, self.t = None, 0

    def update(self, params, grads):
        if self.state is None:
            self.state = [[np.zeros_like(p) for p in params] for _ in range(2)]
        self.t += 1
        new = []
        for p, g, m, v in zip(params, grads, *self.state):
            if self.solver == "sgd":
                m[...] = self.momentum * m - self.lr * g  # velocity
                step = self.momentum * m - self.lr * g if self.nesterov else m
            else:
                m[...] = self.beta_1 * m + (1 - self.beta_1) * g
                v[...] = self.beta_2 * v + (1 - self.beta_2) * g * g
                m_hat = m / (1 - self.beta_1 ** self.t)
                v_hat = v / (1 - self.beta_2 ** self.t)
                # Kingma & Ba's "more efficient" ordering (end of their section
                # 2), which scikit-learn uses too: epsilon is added to sqrt(v),
                # not to sqrt(v_hat), i.e. to sqrt(v_hat) it adds eps / sqrt(1 - beta_2^t).
                step = -self.lr * m_hat / (np.sqrt(v_hat)
                                           + self.eps / np.sqrt(1 - self.beta_2 ** self.t))
            new.append(p + step)
        return new


OPTIMIZERS = {
    "sgd": dict(solver="sgd", momentum=0.0, nesterov=False),
    "sgd-momentum": dict(solver="sgd", momentum=0.9, nesterov=False),
    "sgd-nesterov": dict(solver="sgd", momentum=0.9, nesterov=True),
    "adam": dict(solver="adam", momentum=0.0, nesterov=False),
}


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("activation", list(REFERENCE_ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_epoch_equals_reference_steps(activation, optimizer, dtype, rng):
    from skmlp._training import run_epoch

    spec, lr, alpha = OPTIMIZERS[optimizer], 0.05, 1e-3
    objective = dict(OBJECTIVE, hidden_activation=activation, alpha=alpha)

    trainer = Trainer.initialize((4, 6, 5, 3), rng, dtype, objective)
    trainer.optimizer = make_optimizer(spec["solver"], trainer.layout, dtype, **_arguments(
        spec["solver"], learning_rate_init=lr, momentum=spec["momentum"],
        nesterovs_momentum=spec["nesterov"]))
    X, Y = _data(rng, n=25)
    X, Y = X.astype(dtype), Y.astype(dtype)
    params = [p.astype(np.float64) for p in trainer.coefs + trainer.intercepts]
    reference = _ReferenceOptimizer(lr=lr, **spec)
    order = np.random.default_rng(3).permutation(25)
    for _ in range(2):  # two epochs of batches 10, 10 and 5, shuffled
        for start in range(0, 25, 10):
            rows = order[start:start + 10]
            grads = _reference_gradients(params[:3], params[3:], X[rows].astype(np.float64),
                                         Y[rows].astype(np.float64), activation, alpha)
            params = reference.update(params, grads)
        run_epoch(trainer, X, Y, None, 10, _FixedOrder(order), shuffle=True)
    tolerance = dict(rtol=1e-9, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-3, atol=1e-5)
    for ours, theirs in zip(trainer.coefs + trainer.intercepts, params):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, theirs, **tolerance)


class _FixedOrder:
    """Stands in for the Generator: the same permutation every epoch."""

    def __init__(self, order):
        self.order = order

    def permutation(self, n):
        return self.order.copy()


def test_shuffled_mini_batches_carry_their_own_rows_weights(rng, monkeypatch):
    # Column 0 of X holds each row's index: every mini-batch must come with
    # the targets and the weights of exactly those rows.
    trainer = _trainer(rng)
    X, Y = _data(rng, n=23)
    X[:, 0] = np.arange(23)
    w = rng.uniform(0.5, 2.0, size=23)
    seen = []

    def step(X_batch, Y_batch, w_batch):
        rows = X_batch[:, 0].astype(int)
        np.testing.assert_array_equal(Y_batch, Y[rows])
        np.testing.assert_array_equal(w_batch, w[rows])
        seen.extend(rows.tolist())
        return 1.0

    monkeypatch.setattr(trainer, "step", step)
    run_epoch(trainer, X, Y, w, batch_size=5, rng=rng, shuffle=True)
    assert sorted(seen) == list(range(23)) and seen != list(range(23))


def test_epoch_loss_weights_each_batch_by_its_share_of_the_sample_weights(rng, monkeypatch):
    trainer = _trainer(rng)
    X, Y = _data(rng, n=6)
    w = np.array([1.0, 1.0, 4.0, 4.0, 0.5, 0.5])
    batch_losses = iter([1.0, 2.0, 3.0])  # batches of rows 0-1, 2-3, 4-5 (no shuffling)
    monkeypatch.setattr(trainer, "step", lambda *args: next(batch_losses))
    loss = run_epoch(trainer, X, Y, w, batch_size=2, rng=rng, shuffle=False)
    assert loss == pytest.approx((2 * 1.0 + 8 * 2.0 + 1 * 3.0) / 11)


def test_divergence_rolls_back_to_the_start_of_the_lowest_loss_epoch(rng, monkeypatch):
    # Epoch losses 1.0, 0.5, 0.8, then the fourth epoch diverges: the trainer
    # returns to the parameters it had when the 0.5 epoch (the second) began.
    from skmlp import _training

    trainer = _trainer(rng)
    X, Y = _data(rng)
    outcomes = iter([1.0, 0.5, 0.8, None])
    starts = []

    def epoch(trainer, *args):
        starts.append(trainer.params.copy())
        trainer.params += 1.0  # every epoch moves the parameters
        loss = next(outcomes)
        if loss is None:
            raise _training.TrainingDiverged("the loss became nan")
        return loss

    monkeypatch.setattr(_training, "run_epoch", epoch)
    with pytest.raises(_training.TrainingDiverged) as diverged:
        run_epochs(trainer, X, Y, None, batch_size=10, max_iter=10, rng=rng, shuffle=False,
                   tol=0, n_iter_no_change=100)
    assert diverged.value.restored_epoch == 1  # one whole epoch before the 0.5 one
    np.testing.assert_array_equal(trainer.params, starts[1])
