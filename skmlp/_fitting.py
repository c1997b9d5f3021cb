"""The training layer's entry points: it owns a fit.

The estimator validates the input, encodes the targets, and calls this module
once per ``fit`` or ``partial_fit``; everything about training happens here:

- :func:`start_trainer` creates a trainer (Glorot-initialised) or continues
  a fitted one (a fork, so that the fitted model stays untouched until the
  estimator publishes the new state);
- :func:`fit_trainer` runs the solver the solver table names: epochs of
  mini-batches with a new optimizer for 'sgd' and 'adam'
  (:func:`~skmlp._training.run_epochs`), or full-batch L-BFGS
  (:func:`~skmlp._lbfgs.fit_lbfgs`), with the estimator's hooks;
- :func:`partial_fit_step` takes one ``partial_fit`` step, with its
  bookkeeping.

Like the rest of the training layer, it imports NumPy, SciPy and the core
only: the estimator hands it arrays, a :class:`SolverSpec` and plain
callables (the validation scorer, the hooks).
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ._core.optimizers import SOLVERS
from ._lbfgs import fit_lbfgs
from ._training import (
    EpochHooks,
    Trainer,
    configure_optimizer,
    make_optimizer,
    run_epochs,
)
from ._training_stops import TrainingDiverged


@dataclass
class SolverSpec:
    """What a solver needs to run, read from the estimator's parameters.

    Attributes
    ----------
    solver : str
        A name of :data:`~skmlp._core.optimizers.SOLVERS`.
    hyper_parameters : dict
        The optimizer's arguments (from the table of parameters: argument
        name -> value), for the solver's optimizer.
    max_iter : int
        Epochs (mini-batch solvers) or iterations (L-BFGS).
    tol : float
    n_iter_no_change : int or float
    batch_size : int or None
        Rows per mini-batch, already clipped to the number of rows (None for
        a ``partial_fit`` step, whose mini-batch is the rows it is given).
    shuffle : bool
    max_fun : int
        Loss evaluations allowed to L-BFGS.

    Every field is given by the estimator: the defaults are the table of
    parameters' (``skmlp._parameters``), not written again here.
    """

    solver: str
    hyper_parameters: dict
    max_iter: int
    tol: float
    n_iter_no_change: float
    batch_size: Optional[int]
    shuffle: bool
    max_fun: int


def start_trainer(layer_units, dtype, objective, dropout, rng, previous=None,
                  coefs=None, intercepts=None):
    """A new trainer, or a fork of ``previous`` that continues it.

    Parameters
    ----------
    layer_units : tuple of int
        ``(n_features, n_hidden_1, ..., n_outputs)``.
    dtype : dtype
        The training dtype (a new trainer's; a fork keeps its own).
    objective : dict
        Keyword arguments of :func:`~skmlp._core.objective.loss_and_gradient`.
    dropout : list of float
        One dropout probability per hidden layer.
    rng : numpy.random.Generator or None
        Draws a new trainer's weights; the generator of the dropout masks
        and shuffling from now on (None: a fork keeps its own).
    previous : Trainer, default=None
        The fitted trainer to continue.
    coefs, intercepts : list of ndarray, default=None
        Weights assigned to the estimator from outside, to continue from
        instead of ``previous``'s own.

    Returns
    -------
    trainer : Trainer

    Raises
    ------
    ValueError
        If ``previous`` (or ``coefs``/``intercepts``) does not fit
        ``layer_units``.
    """
    if previous is None:
        trainer = Trainer.initialize(layer_units, rng, dtype, objective)
    else:
        trainer = _fork(previous, layer_units, coefs, intercepts)
    trainer.objective, trainer.dropout = dict(objective), list(dropout)
    if rng is not None:
        trainer.rng = rng
    return trainer


def _fork(previous, layer_units, coefs, intercepts):
    """A fork of ``previous``, after checking it fits ``layer_units``."""
    if tuple(previous.layout.layer_units) != tuple(layer_units):
        raise ValueError(
            f"The fitted network has layer sizes {previous.layout.layer_units}, but the "
            f"current parameters ask for {tuple(layer_units)}. Set warm_start=False (or "
            "call fit rather than partial_fit) to start a new network.")
    if coefs is None or previous.owns(coefs, intercepts):
        return previous.fork()
    shapes = [np.shape(W) for W in coefs] + [np.shape(b) for b in intercepts]
    expected = previous.layout.coef_shapes + [(n,) for n in layer_units[1:]]
    if [tuple(s) for s in shapes] != [tuple(s) for s in expected]:
        raise ValueError(f"coefs_ and intercepts_ have shapes {shapes}; the network "
                         f"{tuple(layer_units)} needs {expected}.")
    return previous.fork(coefs, intercepts)


def fit_trainer(trainer, X, Y, sample_weight, spec, *, rng=None, validation=None,
                hooks=None, epoch=None):
    """Train ``trainer`` with the solver ``spec`` names; the whole of a ``fit``.

    The stopping rule starts afresh (a warm start trains up to ``max_iter``
    epochs again). A mini-batch solver gets a new optimizer, which reads the
    current hyper-parameters.

    Parameters
    ----------
    trainer : Trainer
        From :func:`start_trainer`; trained in place.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    spec : SolverSpec
    rng : numpy.random.Generator, default=None
        Shuffles the mini-batches.
    validation : callable, default=None
        ``validation(trainer) -> (score, loss)``: early stopping (mini-batch
        solvers only).
    hooks : EpochHooks, default=None
        Told about each epoch, or each L-BFGS iteration.
    epoch : callable, default=None
        Runs one epoch (:func:`~skmlp._training.run_epoch` when None).

    Returns
    -------
    converged : bool
    message : str
        Why training did not converge (for a ``ConvergenceWarning``).

    Raises
    ------
    TrainingDiverged, TrainingInterrupted
        See :func:`~skmlp._training.run_epochs` and
        :func:`~skmlp._lbfgs.fit_lbfgs`.
    """
    hooks = hooks or EpochHooks()
    trainer.history.reset_stopping_rule()
    if not SOLVERS[spec.solver].stochastic:
        return _fit_full_batch(trainer, X, Y, sample_weight, spec, hooks)
    trainer.optimizer = make_optimizer(spec.solver, trainer.layout, trainer.params.dtype,
                                       **spec.hyper_parameters)
    converged = run_epochs(
        trainer, X, Y, sample_weight, batch_size=spec.batch_size, max_iter=spec.max_iter,
        rng=rng, shuffle=spec.shuffle, tol=spec.tol, n_iter_no_change=spec.n_iter_no_change,
        validation=validation, hooks=hooks, epoch=epoch)
    return converged, (f"Stochastic Optimizer: Maximum iterations ({spec.max_iter}) reached "
                       "and the optimization hasn't converged yet.")


def _fit_full_batch(trainer, X, Y, sample_weight, spec, hooks):
    """L-BFGS, telling ``hooks`` about each iteration as if it were an epoch."""
    hooks.epoch_begin(trainer)

    def on_iteration(trainer):
        stop = hooks.epoch_end(trainer)
        if not stop and trainer.history.n_iter < spec.max_iter:
            hooks.epoch_begin(trainer)  # closed by the estimator if it never runs
        return stop

    return fit_lbfgs(trainer, X, Y, sample_weight, max_iter=spec.max_iter,
                     max_fun=spec.max_fun, tol=spec.tol, on_iteration=on_iteration)


def partial_fit_step(trainer, X, Y, sample_weight=None, spec=None):
    """One ``partial_fit`` step and its bookkeeping.

    Parameters
    ----------
    trainer : Trainer
        Stepped in place.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,), default=None
    spec : SolverSpec, default=None
        When given, the optimizer is first (re)configured from it, so that
        parameters set between calls take effect; None keeps it as it is.

    Returns
    -------
    loss : float
        The mini-batch loss before the step.

    Raises
    ------
    TrainingDiverged
        The loss or the new weights are not finite (or too large); the
        trainer is then in an arbitrary state, for the caller to discard or
        roll back.
    """
    if spec is not None:
        trainer.optimizer = configure_optimizer(
            trainer.optimizer, spec.solver, trainer.layout, trainer.params.dtype,
            **spec.hyper_parameters)
    loss = trainer.step(X, Y, sample_weight)
    if not trainer.is_healthy():
        raise TrainingDiverged("the weights became non-finite or too large")
    history = trainer.history
    history.n_iter += 1
    history.t += X.shape[0]
    # Constant memory over endless streams: loss_ and best_loss_, no curve.
    history.last_loss = loss
    history.best_loss = min(history.best_loss, loss)
    trainer.optimizer.iteration_ends(history.t)
    return loss
