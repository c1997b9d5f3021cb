"""The training loop: one mini-batch step, epochs of shuffled mini-batches,
the stopping rule and the training history.

This module sits between the numeric core (:mod:`skmlp._core`) and the
estimators (:mod:`skmlp._base` and its subclasses). It imports NumPy, SciPy
(for sparse input) and the core only; all scikit-learn glue (validation,
targets, scoring, warnings, callbacks) stays in the estimators, which hand
this module plain arrays and plain callables (such as the validation scorer).
"""

import copy
import math
import dataclasses
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ._core.init import glorot_uniform
from ._core.network import ParameterLayout, forward
from ._core.objective import Workspace, loss_and_gradient, sample_scale_and_norm
from ._core.optimizers import SOLVERS
from ._batches import mini_batches
from ._training_stops import InterruptGuard, TrainingDiverged, TrainingInterrupted

__all__ = ["History", "InterruptGuard", "Trainer", "TrainingDiverged", "TrainingInterrupted",
           "configure_optimizer", "make_optimizer", "run_epoch", "run_epochs"]


def make_optimizer(solver, layout, dtype, /, **arguments):
    """A new optimizer for ``solver``, from the solver table.

    Parameters
    ----------
    solver : str
        A stochastic solver of :data:`~skmlp._core.optimizers.SOLVERS`.
    layout : ParameterLayout
        The parameter vector the optimizer steps (an optimizer may treat the
        weights and the biases differently, as AdamW's decay does).
    dtype : dtype
    **arguments
        The optimizer's hyper-parameters, named as its constructor's
        arguments (the estimator maps its parameters to them with its
        parameter table, ``skmlp._parameters.optimizer_arguments``).

    Returns
    -------
    optimizer : Optimizer
    """
    kind = SOLVERS[solver].optimizer
    if kind is None:
        raise ValueError(f"solver={solver!r} has no mini-batch optimizer")
    return kind.for_layout(layout, dtype, **arguments)


def configure_optimizer(optimizer, solver, layout, dtype, /, **arguments):
    """``optimizer`` set to the hyper-parameters ``arguments``, or a new one for ``solver``.

    Used between ``partial_fit`` calls, so that ``set_params`` takes effect:
    an optimizer of the kind ``solver`` asks for keeps its state (SGD's
    velocity and schedule, Adam's moments and step count) and takes the new
    hyper-parameters; otherwise (another solver, or none yet, as after an
    L-BFGS fit) a new optimizer starts from zero state.

    Parameters
    ----------
    optimizer : Optimizer or None
    solver : str
        A stochastic solver of :data:`~skmlp._core.optimizers.SOLVERS`.
    layout : ParameterLayout
    dtype : dtype
    **arguments
        As for :func:`make_optimizer`.

    Returns
    -------
    optimizer : Optimizer
    """
    if type(optimizer) is not SOLVERS[solver].optimizer:
        return make_optimizer(solver, layout, dtype, **arguments)
    return optimizer.configure(**arguments)


@dataclass
class History:
    """What training has seen so far, carried across calls.

    Attributes
    ----------
    loss_curve : list of float
        The loss of each epoch of ``fit``.
    last_loss : float
        The latest loss: of the last epoch, or of the last ``partial_fit`` step.
    best_loss : float
        Lowest entry of ``loss_curve`` since the stopping rule was reset.
    no_improvement_count : int
        Consecutive epochs whose loss did not beat ``best_loss - tol``.
    n_iter : int
        Epochs run by the current ``fit`` (or steps taken by ``partial_fit``).
    t : int
        Training samples seen by the optimizer, over all calls.
    validation_scores, validation_loss_curve : list of float
        The estimator's validation score (accuracy, R^2) and loss after each
        epoch (early stopping only).
    best_validation_score : float
        Highest entry of ``validation_scores``.
    """

    loss_curve: list = field(default_factory=list)
    last_loss: float = math.nan
    best_loss: float = math.inf
    no_improvement_count: int = 0
    n_iter: int = 0
    t: int = 0
    validation_scores: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    best_validation_score: float = -math.inf

    def copy(self):
        """An independent copy (the lists copied)."""
        return dataclasses.replace(self, loss_curve=list(self.loss_curve),
                                   validation_scores=list(self.validation_scores),
                                   validation_loss_curve=list(self.validation_loss_curve))

    def reset_stopping_rule(self):
        """Forget the best loss, so a new ``fit`` trains for ``max_iter`` again."""
        self.best_loss = math.inf
        self.best_validation_score = -math.inf
        self.no_improvement_count = 0
        self.n_iter = 0
        self.validation_scores, self.validation_loss_curve = [], []

    def _count(self, improved):
        self.no_improvement_count = 0 if improved else self.no_improvement_count + 1

    def record(self, loss, tol, stop_on_loss=True):
        """Append an epoch's loss; update the stopping rule's counter with it."""
        self.loss_curve.append(loss)
        self.last_loss = loss
        if stop_on_loss:
            self._count(loss <= self.best_loss - tol)
        self.best_loss = min(self.best_loss, loss)

    def record_validation(self, score, loss, tol):
        """Append a validation score and loss; the counter follows the score.

        Returns
        -------
        is_best : bool
            Whether ``score`` is the best so far.
        """
        self.validation_scores.append(score)
        self.validation_loss_curve.append(loss)
        self._count(score >= self.best_validation_score + tol)
        is_best = score > self.best_validation_score
        self.best_validation_score = max(self.best_validation_score, score)
        return is_best


class Trainer:
    """Parameters, gradient, optimizer state and buffers of one network.

    Parameters
    ----------
    layer_units : sequence of int
        ``(n_features, n_hidden_1, ..., n_outputs)``.
    params : ndarray of shape (n_params,)
        Initial parameters (owned by the trainer from now on).
    optimizer : Optimizer or None
        None until a stochastic solver needs one (L-BFGS keeps its own state).
    objective : dict
        Keyword arguments of :func:`~skmlp._core.objective.loss_and_gradient`:
        ``hidden_activation``, ``output_activation``, ``loss``, ``alpha``.

    dropout : sequence of float or None, default=None
        Probability of dropping each hidden layer's units during training.
    rng : numpy.random.Generator, default=None
        Draws the dropout masks.

    Attributes
    ----------
    coefs, intercepts : list of ndarray
        Views of ``params``, one per layer.
    history : History
    """

    def __init__(self, layer_units, params, optimizer, objective, dropout=None, rng=None):
        self.layout = ParameterLayout(layer_units)
        self.dropout = dropout
        self.rng = rng if rng is not None else np.random.default_rng()
        self.params = params
        self.grad = np.zeros_like(params)
        self.coefs, self.intercepts = self.layout.unpack(params)
        self.optimizer = optimizer
        self.objective = dict(objective)
        self.history = History()
        self._workspace = None

    @classmethod
    def initialize(cls, layer_units, rng, dtype, objective, optimizer=None, dropout=None):
        """A trainer with Glorot-initialised parameters drawn from ``rng``."""
        layout = ParameterLayout(layer_units)
        params = glorot_uniform(layout, objective["hidden_activation"], rng, dtype)
        return cls(layer_units, params, optimizer, objective, dropout, rng)

    def fork(self, coefs=None, intercepts=None):
        """An independent trainer with a copy of this one's state.

        Training the fork leaves this trainer exactly as it was, so an
        estimator can train on the fork and publish it only when the call
        completes. Scratch (the gradient, the buffers) is shared: it holds
        nothing between calls.

        Parameters
        ----------
        coefs, intercepts : list of ndarray, default=None
            Parameters to start from instead of this trainer's (arrays that
            were assigned to the estimator from outside); they must fit
            :attr:`layout`.

        Returns
        -------
        trainer : Trainer
        """
        new = object.__new__(Trainer)
        new.__dict__.update(vars(self))
        new.params = (self.params.copy() if coefs is None
                      else self.layout.pack(coefs, intercepts, self.params.dtype))
        new.coefs, new.intercepts = new.layout.unpack(new.params)
        new.optimizer = None if self.optimizer is None else self.optimizer.copy()
        new.objective = dict(self.objective)
        new.dropout = None if self.dropout is None else list(self.dropout)
        new.rng = copy.deepcopy(self.rng)
        new.history = self.history.copy()
        return new

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_workspace"] = None  # buffers are scratch; not worth saving
        del state["coefs"], state["intercepts"], state["grad"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.grad = np.zeros_like(self.params)
        self.coefs, self.intercepts = self.layout.unpack(self.params)

    def owns(self, coefs, intercepts):
        """Whether ``coefs``/``intercepts`` are this trainer's own views."""
        return (len(coefs) == len(self.coefs) and len(intercepts) == len(self.intercepts)
                and all(a is b for a, b in zip(coefs, self.coefs))
                and all(a is b for a, b in zip(intercepts, self.intercepts)))

    def loss_and_gradient(self, X, Y, sample_weight=None, dropout_masks=None,
                          penalty_gradient=True):
        """Loss of ``(X, Y)`` and its gradient, written into ``self.grad``
        (see :func:`~skmlp._core.objective.loss_and_gradient`)."""
        n_samples = X.shape[0]
        if self._workspace is None or not self._workspace.fits(n_samples, self.params.dtype):
            self._workspace = Workspace(self.layout.layer_units, n_samples, self.params.dtype)
        return loss_and_gradient(
            self.params, self.layout, X, Y, sample_weight=sample_weight,
            grad=self.grad, workspace=self._workspace, dropout_masks=dropout_masks,
            penalty_gradient=penalty_gradient, **self.objective,
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
        masks = self.dropout_masks(X.shape[0])
        alpha = self.objective["alpha"]
        # Adam adds the L2 penalty's gradient in its own pass over the
        # parameters: one pass over the weights fewer (the loss has its value).
        penalty = None if not (alpha and self.optimizer.fuses_penalty) else (
            self.layout.n_coefs,
            alpha / sample_scale_and_norm(X.shape[0], sample_weight, self.params.dtype)[1])
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss, grad = self.loss_and_gradient(X, Y, sample_weight, dropout_masks=masks,
                                                penalty_gradient=penalty is None)
            if not math.isfinite(loss):
                raise TrainingDiverged(f"the loss became {loss}")
            self.optimizer.update(self.params, grad, penalty)
        return loss

    def dropout_masks(self, n_samples):
        """Inverted-dropout masks for one mini-batch, or None without dropout.

        Returns
        -------
        masks : list of (ndarray of shape (n_samples, n_units) or None) or None
            ``keep / (1 - p)`` per hidden layer: kept units are scaled up so
            that the expected input of the next layer is unchanged, and
            prediction needs no rescaling.
        """
        if not self.dropout or not any(self.dropout):
            return None
        masks = []
        for p, n_units in zip(self.dropout, self.layout.layer_units[1:-1]):
            if p == 0:
                masks.append(None)
                continue
            keep = self.rng.random((n_samples, n_units), dtype=self.params.dtype) >= p
            masks.append(keep.astype(self.params.dtype) / self.params.dtype.type(1 - p))
        return masks

    def checkpoint(self):
        """A copy of the parameters and of the optimizer's state.

        Returns
        -------
        checkpoint : tuple
            ``(params, optimizer, optimizer_state)``: a copy of the
            parameters, the optimizer object and its :meth:`Optimizer.state`
            (cheaper than a deep copy of the optimizer).
        """
        return self.params.copy(), self.optimizer, self.optimizer.state()

    def rollback(self, checkpoint):
        """Return to a :meth:`checkpoint` in place; coefs stay views."""
        params, self.optimizer, optimizer_state = checkpoint
        self.params[...] = params
        self.optimizer.load_state(optimizer_state)

    def is_healthy(self):
        """Whether the parameters are finite and small enough to be usable.

        The bound is ``finfo.max ** (1 / (n_weight_layers + 1))``: with every
        weight and input below it, a product of one input and one weight per
        layer stays finite. Larger weights are finite but useless, since the
        next forward pass overflows to inf or nan. Two reductions; nan fails
        them too (comparisons with nan are False).
        """
        n_weight_layers = len(self.layout.layer_units) - 1
        bound = float(np.finfo(self.params.dtype).max) ** (1 / (n_weight_layers + 1))
        return bool(-bound < self.params.min() and self.params.max() < bound)

    def outputs(self, X):
        """The network's output activations on ``X``, shape ``(n_samples, n_outputs)``."""
        activations, _ = forward(self.coefs, self.intercepts, X,
                                 self.objective["hidden_activation"],
                                 self.objective["output_activation"])
        return activations[-1]

    def output_is_finite(self, X, chunk_size=4096):
        """Whether the network's output on ``X`` is finite (one forward pass,
        ``chunk_size`` rows at a time). Data held elsewhere (the shards of
        :mod:`skmlp.dask`) answers itself, through ``outputs_are_finite``."""
        if hasattr(X, "outputs_are_finite"):
            return X.outputs_are_finite(self.params, self.layout, self.objective)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return all(bool(np.isfinite(self.outputs(X[start:start + chunk_size])).all())
                       for start in range(0, X.shape[0], chunk_size))

    def snapshot(self):
        """A copy of the parameters (to restore the best epoch)."""
        return self.params.copy()

    def restore(self, params):
        """Write saved parameters back in place; coefs stay views."""
        self.params[...] = params


def run_epoch(trainer, X, Y, sample_weight, batch_size, rng, shuffle, guard=None):
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
    guard : InterruptGuard, default=None
        Checked after every mini-batch.

    Returns
    -------
    loss : float
        Mean of the mini-batch losses, weighted by each batch's share of the
        samples (or of the sample weights).

    Raises
    ------
    TrainingDiverged, TrainingInterrupted
        With the attribute ``rows_done``: rows stepped on in this epoch.
    """
    weighted_loss, total_weight = 0.0, 0.0
    order = rng.permutation(X.shape[0]) if shuffle else None
    for start, stop, X_batch, Y_batch, rows in mini_batches(X, Y, batch_size, order):
        w_batch = (None if sample_weight is None
                   else sample_weight[start:stop] if rows is None else sample_weight[rows])
        batch_weight = stop - start if w_batch is None else float(w_batch.sum())
        if batch_weight == 0:  # all its weights are zero: no gradient, no step
            continue
        try:
            weighted_loss += trainer.step(X_batch, Y_batch, w_batch) * batch_weight
            if guard is not None:
                guard.check()
        except (TrainingDiverged, TrainingInterrupted) as stop_reason:
            stop_reason.rows_done = (stop if isinstance(stop_reason, TrainingInterrupted)
                                     else start)
            raise
        total_weight += batch_weight
    # nan when every row of the epoch had zero weight (possible only in the
    # training part of an early-stopping split): no loss was measured.
    return weighted_loss / total_weight if total_weight else math.nan


class EpochHooks:
    """What the estimator wants to hear about during training (no-op here).

    Subclasses override :meth:`epoch_begin` and :meth:`epoch_end`.
    """

    def epoch_begin(self, trainer):
        """Called before each epoch."""

    def epoch_end(self, trainer):
        """Called after each epoch, with the history updated; True stops."""
        return False


def run_epochs(trainer, X, Y, sample_weight, *, batch_size, max_iter, rng,
               shuffle, tol, n_iter_no_change, validation=None, hooks=None,
               epoch=None):
    """Train for up to ``max_iter`` epochs with scikit-learn's stopping rule.

    After each epoch the loss is recorded. Without ``validation``, when the
    loss has not improved by at least ``tol`` for more than
    ``n_iter_no_change`` consecutive epochs, the optimizer decides
    (:meth:`SGD.on_plateau`): stop, or lower the learning rate and go on.
    With ``validation`` (early stopping), the validation score the estimator
    computes (accuracy, R^2) drives the same rule, and the parameters of the
    best validation epoch are restored at the end.

    Parameters
    ----------
    trainer : Trainer
    X, Y, sample_weight : see :func:`run_epoch`
    batch_size, max_iter, n_iter_no_change : int
    rng : numpy.random.Generator
    shuffle : bool
    tol : float
    validation : callable or None, default=None
        ``validation(trainer) -> (score, loss)`` on the held-out data, higher
        scores better; handed in by the estimator, which knows what to score.
    hooks : EpochHooks, default=None
    epoch : callable, default=None
        Runs one epoch, with the signature of :func:`run_epoch` (the default); the
        data-parallel trainer (:mod:`skmlp._dask_training`) passes its own.

    Returns
    -------
    converged : bool
        False when ``max_iter`` epochs ran without the stopping rule firing.

    Raises
    ------
    TrainingDiverged
        The loss or the weights became non-finite (or too large, see
        :meth:`Trainer.is_healthy`). The trainer was rolled back to the start
        of the epoch with the lowest training loss so far (or of the failing
        epoch if it was the first), whose number of completed epochs is the
        exception's ``restored_epoch``; with early stopping, the best
        validation epoch is restored instead.
    TrainingInterrupted
        A first Ctrl-C (deferred by :class:`InterruptGuard`): training stopped
        after the current mini-batch.
    KeyboardInterrupt, or any other exception (from the hooks, say)
        Passed on as it is; the trainer is then in an arbitrary state, and
        the estimator discards it (it trains on a fork of its trainer).
    """
    history, hooks = trainer.history, hooks or EpochHooks()
    epoch = epoch or run_epoch
    best_params = trainer.snapshot() if validation is not None else None
    # For divergence: the state at the start of the epoch with the lowest loss.
    lowest_loss, lowest_loss_start = math.inf, None
    converged = False
    guard = InterruptGuard()
    try:
        with guard.watch():
            for _ in range(max_iter):
                epoch_start = trainer.checkpoint()
                hooks.epoch_begin(trainer)
                try:
                    loss = epoch(trainer, X, Y, sample_weight, batch_size, rng, shuffle, guard)
                    if not trainer.is_healthy():
                        raise TrainingDiverged("the weights became non-finite or too large")
                except TrainingDiverged as divergence:
                    # The start of this epoch may already be doomed (finite but
                    # huge weights): go back to the best epoch seen instead.
                    _diverged(trainer, divergence, epoch_start, lowest_loss_start,
                              validation, tol)
                    raise
                except TrainingInterrupted as interruption:
                    history.t += interruption.rows_done
                    raise
                if loss < lowest_loss:
                    lowest_loss, lowest_loss_start = loss, (epoch_start, history.n_iter)
                history.n_iter += 1
                history.t += X.shape[0]
                history.record(loss, tol, stop_on_loss=validation is None)
                if validation is not None and history.record_validation(
                        *validation(trainer), tol):
                    best_params = trainer.snapshot()
                trainer.optimizer.iteration_ends(history.t)
                if hooks.epoch_end(trainer):
                    converged = True
                    break
                if history.no_improvement_count > n_iter_no_change:
                    if trainer.optimizer.on_plateau():
                        converged = True
                        break
                    history.no_improvement_count = 0
            # Every epoch's end state was checked by the next epoch's first
            # step, except the last one: check it on one mini-batch.
            if lowest_loss_start is not None and not trainer.output_is_finite(X[:batch_size]):
                trainer.rollback(lowest_loss_start[0])
                raise TrainingDiverged("the final weights give non-finite outputs",
                                       reached_finite_loss=True,
                                       restored_epoch=lowest_loss_start[1])
    finally:
        if best_params is not None:
            trainer.restore(best_params)
    return converged


def _diverged(trainer, divergence, epoch_start, lowest_loss_start, validation, tol):
    """Roll ``trainer`` back after ``divergence`` and say what was kept.

    Back to the start of the epoch with the lowest training loss, or of the
    failing epoch when no epoch of this call ended with a finite loss (then
    ``divergence.reached_finite_loss`` stays False). With early stopping the
    failing epoch is recorded with a NaN loss and validation score, as
    scikit-learn records it; the best validation epoch is restored later.
    """
    history = trainer.history
    divergence.epoch = history.n_iter + 1
    divergence.reached_finite_loss = lowest_loss_start is not None
    divergence.restored_epoch = (history.n_iter if lowest_loss_start is None
                                 else lowest_loss_start[1])
    trainer.rollback(epoch_start if lowest_loss_start is None else lowest_loss_start[0])
    if validation is not None:
        history.n_iter += 1
        history.record(math.nan, tol, stop_on_loss=False)
        history.record_validation(math.nan, math.nan, tol)
