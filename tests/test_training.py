import pickle

import numpy as np
import pytest

from skmlp._core.objective import loss_and_gradient
from skmlp._training import EpochHooks, History, Trainer, make_optimizer, run_epochs

OBJECTIVE = dict(hidden_activation="tanh", output_activation="softmax", loss="log_loss",
                 alpha=0.0)


def _trainer(rng, solver="sgd", momentum=0.0, dtype=np.float64):
    def factory(n, dt):
        return make_optimizer(solver, n, dt, learning_rate_init=0.1, momentum=momentum)

    return Trainer.initialize((4, 5, 3), rng, dtype, factory, OBJECTIVE)


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
