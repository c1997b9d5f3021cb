"""The training loop: one mini-batch step, epochs of shuffled mini-batches,
the stopping rule and the training history.

This module sits between the numeric core (:mod:`skmlp._core`) and the
estimator (:mod:`skmlp._classifier`). It imports NumPy and the core only; all
scikit-learn glue (validation, labels, warnings, callbacks) stays in the
estimator, which hands this module plain arrays and plain callables.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ._core.init import glorot_uniform
from ._core.network import ParameterLayout
from ._core.objective import Workspace, loss_and_gradient
from ._core.optimizers import SGD, Adam


def make_optimizer(solver, n_params, dtype, *, learning_rate_init, momentum=0.9,
                   nesterovs_momentum=True, learning_rate="constant",
                   power_t=0.5, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    """Create the optimizer state for ``solver`` ('sgd' or 'adam')."""
    if solver == "sgd":
        return SGD(n_params, dtype, learning_rate_init, momentum,
                   nesterovs_momentum, learning_rate, power_t)
    if solver == "adam":
        return Adam(n_params, dtype, learning_rate_init, beta_1, beta_2, epsilon)
    raise ValueError(f"no stochastic optimizer named {solver!r}")


@dataclass
class History:
    """What training has seen so far, carried across calls.

    Attributes
    ----------
    loss_curve : list of float
        The loss of each epoch (``fit``) or step (``partial_fit``).
    best_loss : float
        Lowest entry of ``loss_curve`` since the stopping rule was reset.
    no_improvement_count : int
        Consecutive epochs whose loss did not beat ``best_loss - tol``.
    n_iter : int
        Epochs run by the current ``fit`` (or steps taken by ``partial_fit``).
    t : int
        Training samples seen by the optimizer, over all calls.
    """

    loss_curve: list = field(default_factory=list)
    best_loss: float = math.inf
    no_improvement_count: int = 0
    n_iter: int = 0
    t: int = 0

    def reset_stopping_rule(self):
        """Forget the best loss, so a new ``fit`` trains for ``max_iter`` again."""
        self.best_loss = math.inf
        self.no_improvement_count = 0
        self.n_iter = 0

    def record(self, loss, tol):
        """Append an epoch's loss and update the stopping rule's counter."""
        self.loss_curve.append(loss)
        if loss > self.best_loss - tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        self.best_loss = min(self.best_loss, loss)


class Trainer:
    """Parameters, gradient, optimizer state and buffers of one network.

    Parameters
    ----------
    layer_units : sequence of int
        ``(n_features, n_hidden_1, ..., n_outputs)``.
    params : ndarray of shape (n_params,)
        Initial parameters (owned by the trainer from now on).
    optimizer : SGD or Adam, or None
    objective : dict
        Keyword arguments of :func:`~skmlp._core.objective.loss_and_gradient`:
        ``hidden_activation``, ``output_activation``, ``loss``, ``alpha``.

    Attributes
    ----------
    coefs, intercepts : list of ndarray
        Views of ``params``, one per layer.
    history : History
    """

    def __init__(self, layer_units, params, optimizer, objective):
        self.layout = ParameterLayout(layer_units)
        self.params = params
        self.grad = np.zeros_like(params)
        self.coefs, self.intercepts = self.layout.unpack(params)
        self.optimizer = optimizer
        self.objective = dict(objective)
        self.history = History()
        self._workspace = None

    @classmethod
    def initialize(cls, layer_units, rng, dtype, optimizer_factory, objective):
        """A trainer with Glorot-initialised parameters drawn from ``rng``."""
        layout = ParameterLayout(layer_units)
        params = glorot_uniform(layout, objective["hidden_activation"], rng, dtype)
        return cls(layer_units, params, optimizer_factory(layout.n_params, dtype), objective)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_workspace"] = None  # buffers are scratch; not worth saving
        del state["coefs"], state["intercepts"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.coefs, self.intercepts = self.layout.unpack(self.params)

    def owns(self, coefs, intercepts):
        """Whether ``coefs``/``intercepts`` are this trainer's own views."""
        return (len(coefs) == len(self.coefs)
                and all(a is b for a, b in zip(coefs, self.coefs))
                and all(a is b for a, b in zip(intercepts, self.intercepts)))

    def load(self, coefs, intercepts):
        """Copy parameters set from outside (e.g. after unpickling) back in."""
        self.params[...] = self.layout.pack(coefs, intercepts, self.params.dtype)

    def loss_and_gradient(self, X, Y, sample_weight=None, dropout_masks=None):
        """Loss of ``(X, Y)`` and its gradient, written into ``self.grad``."""
        n_samples = X.shape[0]
        if self._workspace is None or not self._workspace.fits(n_samples, self.params.dtype):
            self._workspace = Workspace(self.layout.layer_units, n_samples, self.params.dtype)
        return loss_and_gradient(
            self.params, self.layout, X, Y, sample_weight=sample_weight,
            grad=self.grad, workspace=self._workspace, dropout_masks=dropout_masks,
            **self.objective,
        )

    def step(self, X, Y, sample_weight=None):
        """One mini-batch step: forward, backward, one optimizer update.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        loss : float
            The mini-batch loss before the update.
        """
        loss, grad = self.loss_and_gradient(X, Y, sample_weight)
        self.optimizer.update(self.params, grad)
        return loss


def _gather(A, rows, out):
    """``A[rows]`` into the leading rows of ``out`` (dense) or as a new matrix (sparse)."""
    if sp.issparse(A):
        return A[rows]
    return np.take(A, rows, axis=0, out=out[: len(rows)])


def run_epoch(trainer, X, Y, sample_weight, batch_size, rng, shuffle):
    """One pass over the data in mini-batches.

    Parameters
    ----------
    trainer : Trainer
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    batch_size : int
    rng : numpy.random.Generator
    shuffle : bool

    Returns
    -------
    loss : float
        Mean of the mini-batch losses, weighted by each batch's share of the
        samples (or of the sample weights).
    """
    n_samples = X.shape[0]
    weighted_loss, total_weight = 0.0, 0.0
    order = rng.permutation(n_samples) if shuffle else None
    X_buffer = None if sp.issparse(X) else np.empty((min(batch_size, n_samples), X.shape[1]), X.dtype)
    Y_buffer = np.empty((min(batch_size, n_samples), Y.shape[1]), Y.dtype)
    for start in range(0, n_samples, batch_size):
        stop = min(start + batch_size, n_samples)
        if order is None:
            X_batch, Y_batch = X[start:stop], Y[start:stop]
            w_batch = None if sample_weight is None else sample_weight[start:stop]
        else:
            rows = order[start:stop]
            X_batch, Y_batch = _gather(X, rows, X_buffer), _gather(Y, rows, Y_buffer)
            w_batch = None if sample_weight is None else sample_weight[rows]
        batch_weight = stop - start if w_batch is None else float(w_batch.sum())
        weighted_loss += trainer.step(X_batch, Y_batch, w_batch) * batch_weight
        total_weight += batch_weight
    return weighted_loss / total_weight


def run_epochs(trainer, X, Y, sample_weight, *, batch_size, max_iter, rng,
               shuffle, tol, n_iter_no_change, on_epoch_end=None):
    """Train for up to ``max_iter`` epochs with scikit-learn's stopping rule.

    After each epoch the loss is recorded; when it has not improved by at
    least ``tol`` for more than ``n_iter_no_change`` consecutive epochs, the
    optimizer decides (:meth:`SGD.on_plateau`): stop, or lower the learning
    rate and go on.

    Parameters
    ----------
    trainer : Trainer
    X, Y, sample_weight : see :func:`run_epoch`
    batch_size, max_iter, n_iter_no_change : int
    rng : numpy.random.Generator
    shuffle : bool
    tol : float
    on_epoch_end : callable, default=None
        ``on_epoch_end(trainer) -> bool``; called after every epoch, with the
        history updated; returning True stops training.

    Returns
    -------
    converged : bool
        False when ``max_iter`` epochs ran without the stopping rule firing.
    """
    history = trainer.history
    for _ in range(max_iter):
        loss = run_epoch(trainer, X, Y, sample_weight, batch_size, rng, shuffle)
        history.n_iter += 1
        history.t += X.shape[0]
        history.record(loss, tol)
        trainer.optimizer.iteration_ends(history.t)
        if on_epoch_end is not None and on_epoch_end(trainer):
            return True
        if history.no_improvement_count > n_iter_no_change:
            if trainer.optimizer.on_plateau():
                return True
            history.no_improvement_count = 0
    return False
