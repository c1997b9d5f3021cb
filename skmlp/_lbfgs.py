"""Full-batch training with L-BFGS-B, on the trainer's flat parameter vector.

SciPy's L-BFGS-B minimises :meth:`Trainer.loss_and_gradient` over all weights
and biases at once, as scikit-learn's MLP does with ``solver='lbfgs'``: the same
options (``maxfun``, ``maxiter``, ``gtol``; ``ftol``, ``maxcor`` and ``maxls``
left at SciPy's defaults) and the same starting point, the current parameters.

SciPy iterates in float64. The network keeps its own dtype: every point SciPy
asks about is copied (and, for float32 networks, rounded) into
``trainer.params``, the loss and gradient are computed in that dtype, and the
gradient is handed back as float64.

Like :mod:`skmlp._training` (whose Ctrl-C guard it shares), this module
imports NumPy, SciPy and the core only; the estimator turns the returned flag
into a ``ConvergenceWarning``.
"""

import math
from typing import NamedTuple

import numpy as np
import scipy.optimize

from ._training import InterruptGuard, TrainingDiverged, TrainingInterrupted

# ``OptimizeResult.status`` of L-BFGS-B: 0 converged (gradient or relative
# reduction test), 1 ``maxiter`` or ``maxfun`` reached, 2 stopped abnormally
# (e.g. the line search failed); ``minimize`` reports 99 when the callback
# raised StopIteration, which only :func:`fit_lbfgs`'s hook does.
_CONVERGED = 0
_CALLBACK_HALT = 99


class LbfgsOutcome(NamedTuple):
    """How :func:`fit_lbfgs` ended; unpacks as ``converged, message``.

    Attributes
    ----------
    converged : bool
        False when SciPy stopped without converging: ``max_iter`` or
        ``max_fun`` reached (status 1), or an abnormal stop such as a failed
        line search (status 2). scikit-learn warns in both cases. True when
        L-BFGS-B converged or the ``on_iteration`` hook asked to stop.
    message : str
        SciPy's ``OptimizeResult.message`` (e.g. ``'CONVERGENCE: NORM OF
        PROJECTED GRADIENT <= PGTOL'``); when not converged, a sentence for a
        ``ConvergenceWarning`` that quotes it, with SciPy's status, the number
        of iterations and which limit to raise.
    """

    converged: bool
    message: str


def _flat_objective(trainer, X, Y, sample_weight):
    """The loss and gradient of the trainer as SciPy wants them.

    Parameters
    ----------
    trainer : Trainer
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None

    Returns
    -------
    fun : callable
        ``fun(x) -> (loss, grad)`` with ``x`` and ``grad`` float64 arrays of
        shape ``(n_params,)``. ``x`` is copied into ``trainer.params`` (in
        the trainer's dtype); ``grad`` is a fresh array, since SciPy keeps it
        while ``trainer.grad`` is overwritten by the next evaluation.
    """
    def fun(x):
        trainer.params[...] = x
        # Overflow gives an infinite loss, which the line search backs away
        # from; a start that is not finite is reported by fit_lbfgs.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss, grad = trainer.loss_and_gradient(X, Y, sample_weight)
            return float(loss), grad.astype(np.float64)

    return fun


def _iteration_callback(trainer, tol, on_iteration, guard):
    """The per-iteration callback: record the loss, then call the hook.

    Parameters
    ----------
    trainer : Trainer
    tol : float
        Passed to :meth:`History.record`.
    on_iteration : callable or None
        ``on_iteration(trainer) -> bool``; True stops the optimisation.
    guard : InterruptGuard
        A deferred Ctrl-C stops the optimisation after the iteration.

    Returns
    -------
    callback : callable
        ``callback(intermediate_result)``, the form of SciPy >= 1.11 that
        carries the iterate ``x`` of shape ``(n_params,)`` and its loss
        ``fun``, so recording the loss costs no extra evaluation.
    """
    history = trainer.history

    def callback(intermediate_result):
        # SciPy's x is its live work array: copy it out, never keep it.
        trainer.params[...] = intermediate_result.x
        history.n_iter += 1
        history.record(float(intermediate_result.fun), tol)
        if guard.requested or (on_iteration is not None and on_iteration(trainer)):
            raise StopIteration  # minimize() then returns with status 99

    return callback


def fit_lbfgs(trainer, X, Y, sample_weight=None, *, max_iter, max_fun, tol,
              on_iteration=None):
    """Minimise the full-batch loss with L-BFGS-B, starting from ``trainer.params``.

    Parameters
    ----------
    trainer : Trainer
        Its ``params`` are overwritten in place with the final iterate (the
        ``coefs``/``intercepts`` views stay valid); ``trainer.grad`` is left
        holding the gradient of the last evaluation, which need not be at the
        final iterate.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Binarised targets, of the dtype of ``trainer.params``.
    sample_weight : ndarray of shape (n_samples,), default=None
    max_iter : int
        Most L-BFGS-B iterations (SciPy's ``maxiter``).
    max_fun : int
        Most loss evaluations (SciPy's ``maxfun``); SciPy checks it at the end
        of each iteration, so the last iteration may exceed it.
    tol : float
        Stop when the largest gradient component is at most ``tol`` (SciPy's
        ``gtol``).
    on_iteration : callable, default=None
        ``on_iteration(trainer) -> bool``, called after every iteration with
        ``trainer.params`` at the new iterate and the history updated;
        returning True stops training.

    Returns
    -------
    outcome : LbfgsOutcome
        ``(converged, message)``.

    Raises
    ------
    TrainingDiverged
        The final loss or outputs are not finite (inputs or targets too large
        for the dtype, say); ``reached_finite_loss`` is False.
    TrainingInterrupted
        A first Ctrl-C (see :class:`~skmlp._training.InterruptGuard`):
        L-BFGS-B stopped at the end of the current iteration, whose iterate
        ``trainer.params`` holds. A second Ctrl-C raises ``KeyboardInterrupt``
        at once.

    Notes
    -----
    The history gains one ``loss_curve`` entry and one ``n_iter`` per
    iteration (callers reset ``n_iter`` at the start of a ``fit``), so
    ``loss_curve[-1]`` is the final loss, scikit-learn's ``loss_``. When
    L-BFGS-B stops before its first iteration (the start already meets
    ``tol``, or the first line search fails), the loss at the start is
    recorded instead, with ``n_iter`` unchanged. ``history.t`` is left alone:
    scikit-learn counts samples seen (``t_``) for the stochastic solvers only.
    ``trainer.dropout`` is not applied: the line search needs a deterministic
    objective.
    """
    guard = InterruptGuard()
    with guard.watch():
        result = scipy.optimize.minimize(
            _flat_objective(trainer, X, Y, sample_weight),
            trainer.params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=_iteration_callback(trainer, tol, on_iteration, guard),
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        )
    trainer.params[...] = result.x
    if result.nit == 0:
        trainer.history.record(float(result.fun), tol)
    if not (math.isfinite(result.fun) and trainer.is_healthy() and trainer.output_is_finite(X)):
        raise TrainingDiverged(f"L-BFGS ended with the loss {result.fun} and weights that do "
                               "not give finite outputs")
    if guard.requested:
        raise TrainingInterrupted
    return _outcome(result, max_iter, max_fun)


def _outcome(result, max_iter, max_fun):
    """Turn SciPy's answer into an :class:`LbfgsOutcome`.

    Parameters
    ----------
    result : scipy.optimize.OptimizeResult
        What ``minimize(method='L-BFGS-B')`` returned.
    max_iter, max_fun : int
        The limits it ran under, named in the message when one was hit.

    Returns
    -------
    outcome : LbfgsOutcome
    """
    if result.status in (_CONVERGED, _CALLBACK_HALT):
        return LbfgsOutcome(True, str(result.message))
    message = (f"L-BFGS failed to converge after {result.nit} iteration(s) "
               f"(status={result.status}): {result.message}.")
    if result.nit >= max_iter:
        message += f" Increase max_iter (now {max_iter}) or scale the data."
    elif result.nfev > max_fun:
        message += f" Increase max_fun (now {max_fun}) or scale the data."
    else:  # the line search failed: usually badly scaled inputs or targets
        message += " Scale the data (for example with StandardScaler)."
    return LbfgsOutcome(False, message)
