"""The fast call path: ``partial_fit`` and prediction on plain NumPy input.

Streaming and serving code calls ``partial_fit`` and ``predict`` many times
on a few rows. Going through scikit-learn's full validation each time
(``validate_data``, ``type_of_target``, ``LabelBinarizer``, parameter
validation) costs about twenty times the arithmetic of a small network. The
common case, a NumPy array of the fitted dtype and width with nothing
unusual about it, needs only a few of those checks, and this module does
exactly those, cheaply:

- ``X``: a 2-D ``ndarray`` of the model's float dtype (the training dtype
  for ``partial_fit``), with ``n_features_in_`` columns and at least one
  row, on a model fitted without feature names; finite (for ``partial_fit``
  checked at once; for prediction through the forward pass, as in the full
  path).
- ``y``: encoded against the fitted ``classes_`` directly (every label must
  be one of them), or, for a regressor, cast to the training dtype and
  checked finite (and non-negative for the Poisson loss).
- the estimator's parameters: unchanged since the last call that went
  through the full validation (a snapshot is compared value by value).

Anything else (DataFrames, sparse matrices, lists, other dtypes, sample or
class weights, ``classes`` passed again, changed parameters, a label not
seen before) returns ``None`` here, and the caller takes the full path, which
validates everything and raises the same errors as before. Nothing is
skipped: the fast path is the full path's checks specialised to input whose
type already answers most of them.

All or nothing without copying the trainer: a step saves only what it
changes (the parameter vector, the optimizer's state, and the dropout
generator's state), writes in place, and restores them if anything fails.
Writing in place means that another thread reading ``coefs_`` while the
step runs may see it half done (as with scikit-learn, whose steps are in
place too); predicting while another thread trains the same estimator is
not supported (see the migration guide).
"""

import copy

import numpy as np

from ._fitting import partial_fit_step
from ._training import TrainingDiverged

_PARAM_NAMES = {}


def _param_names(cls):
    """The estimator's parameter names (``__init__``'s), cached per class."""
    names = _PARAM_NAMES.get(cls)
    if names is None:
        names = _PARAM_NAMES[cls] = tuple(cls._get_param_names())
    return names


def param_snapshot(estimator):
    """A copy of the estimator's parameter values, to compare later.

    Returns
    -------
    snapshot : tuple
        One value per parameter: a deep copy of containers (lists, dicts and
        arrays may be edited in place), the object itself otherwise (a
        ``RandomState`` passed as ``random_state`` stays the same object).
    """
    state = estimator.__dict__
    return tuple(copy.deepcopy(value) if isinstance(value, _CONTAINERS) else value
                 for value in (state.get(name) for name in _param_names(type(estimator))))


_CONTAINERS = (list, dict, set, tuple, np.ndarray)


def _same(value, saved):
    """Whether a parameter still has its saved value (False when in doubt)."""
    if value is saved:
        return True
    try:
        return type(value) is type(saved) and bool(value == saved)
    except (TypeError, ValueError):  # arrays and the like: let the full path decide
        return False


def params_unchanged(estimator, snapshot):
    """Whether every parameter has the value it had when ``snapshot`` was taken."""
    state = estimator.__dict__
    names = _param_names(type(estimator))
    return all(_same(state.get(name), saved) for name, saved in zip(names, snapshot))


def plain_rows(estimator, X, dtype=None):
    """``X`` when it is a 2-D float ``ndarray`` the fitted model can take as
    it is (of ``dtype``, when given), else None.

    A model fitted on named features goes through the full path, which
    checks (or warns about) the names.
    """
    if (type(X) is not np.ndarray or X.ndim != 2 or X.shape[0] == 0
            or X.shape[1] != estimator.n_features_in_
            or "feature_names_in_" in estimator.__dict__):
        return None
    if dtype is None:
        return X if X.dtype in (np.float64, np.float32) else None
    return X if X.dtype == dtype else None


def fast_partial_fit(estimator, X, y, sample_weight, classes):
    """One ``partial_fit`` step on the fast path, if ``(X, y)`` qualify.

    Parameters
    ----------
    estimator : BaseMLP
        Fitted, and last validated by a ``partial_fit`` on the full path.
    X, y, sample_weight, classes
        As given to ``partial_fit``.

    Returns
    -------
    done : bool
        False when the call must take the full path (nothing was changed).

    Raises
    ------
    ValueError
        The step diverged; the model is as it was before the call.
    """
    cache = estimator.__dict__.get("_call_cache")
    trainer = estimator.__dict__.get("_trainer")
    if (cache is None or sample_weight is not None or classes is not None
            or cache[0] is not trainer
            or not trainer.owns(estimator.coefs_, estimator.intercepts_)):
        return False
    dtype = trainer.params.dtype
    X = plain_rows(estimator, X, dtype)
    if X is None or type(y) is not np.ndarray or y.ndim == 0 or len(y) != len(X):
        return False
    Y = estimator._fast_targets(y, dtype)
    if Y is None or not params_unchanged(estimator, cache[1]):
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        if not np.isfinite(X.sum()):  # nan or inf somewhere: the full path names it
            return False
    _step_in_place(estimator, trainer, X, Y)
    return True


def _step_in_place(estimator, trainer, X, Y):
    """Step ``trainer`` in place; restore what the step changed if it fails."""
    history = trainer.history
    saved = trainer.checkpoint()
    counters = (history.n_iter, history.t, history.last_loss, history.best_loss)
    dropout = bool(trainer.dropout) and any(trainer.dropout)
    rng_state = trainer.rng.bit_generator.state if dropout else None
    try:
        loss = partial_fit_step(trainer, X, Y)  # the optimizer as configured last time
        # One dict update: the published counters change all at once.
        estimator.__dict__.update(n_iter_=history.n_iter, t_=history.t, loss_=loss,
                                  best_loss_=history.best_loss)
    except BaseException as error:  # KeyboardInterrupt too: leave the model as it was
        trainer.rollback(saved)
        history.n_iter, history.t, history.last_loss, history.best_loss = counters
        if rng_state is not None:
            trainer.rng.bit_generator.state = rng_state
        if isinstance(error, TrainingDiverged):
            raise estimator._partial_fit_diverged(error) from None
        raise
