"""The shared estimator of the MLP family: validation, one call into training, publishing.

:class:`BaseMLP` holds everything :class:`~skmlp.MLPClassifier` and
:class:`~skmlp.MLPRegressor` have in common: the parameter constraints (from
the table of parameters), input validation, warm start, the early-stopping
split, ``verbose`` output and callbacks, the warnings and errors of
divergence and Ctrl-C, and persistence. A subclass says what its targets are
(:meth:`BaseMLP._encode_targets`) and how a validation set is scored
(:meth:`BaseMLP._validation_scorer`). Training itself is the training
layer's: each ``fit`` or ``partial_fit`` makes one call into
:mod:`skmlp._fitting`.

Every call is all or nothing. :meth:`BaseMLP._prepare` runs every check
(parameters, data, targets, weights, architecture, the validation split)
without changing the estimator; training then works on new state (a new
:class:`~skmlp._training.Trainer`, or a fork of the current one), and
:meth:`BaseMLP._publish` swaps the complete new state in with one
assignment. Whatever escapes ``fit`` or ``partial_fit`` therefore leaves the
previous model as it was, or the estimator unfitted. (The fast call path of
:mod:`skmlp._calls` steps the published trainer in place instead, and puts
back everything the step changed if it fails.)
"""

import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._callbacks import FitHooks
from ._calls import fast_partial_fit, param_snapshot, plain_rows
from ._core.network import NonFiniteLayerInput, forward
from ._core.optimizers import SOLVERS
from ._fitting import SolverSpec, fit_trainer, partial_fit_step, start_trainer
from ._parameters import optimizer_arguments, parameter_constraints
from ._persistence import loaded_state, saved_state
from ._targets import (
    check_finite_cast,
    check_fitted_weights,
    check_sample_weight,
    ravel_column,
    weights_in_dtype,
)
from ._training import Trainer, TrainingDiverged, TrainingInterrupted
from .exceptions import DivergenceWarning, TrainingInterruptedWarning

try:  # scikit-learn >= 1.9: set_callbacks(ProgressBar(), ScoringMonitor(...))
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn

    class CallbackSupportMixin:
        """Placeholder: this scikit-learn has no callback API."""

ACCEPTED_SPARSE = ["csr", "csc"]
#: scikit-learn's words for a fit that produced no usable weights, so that code
#: matching them keeps working.
NON_FINITE_MESSAGE = ("Solver produced non-finite parameter weights. The input data may "
                      "contain large values and need to be preprocessed.")
FLOAT_DTYPES = (np.float64, np.float32)

@dataclass
class Targets:
    """What a subclass makes of ``y``: see :meth:`BaseMLP._encode_targets`.

    Attributes
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        The network's targets, in the training dtype.
    sample_weight : ndarray of shape (n_samples,) or None
        The sample weights, combined with any class weights.
    out_activation : str
        The output layer, a name of the output table.
    attributes : dict
        The subclass's fitted attributes (``classes_``, ...), published
        with the rest.
    stratify : ndarray of shape (n_samples,) or None
        Labels to stratify the early-stopping split by.
    """

    Y: Any
    sample_weight: Any
    out_activation: str
    attributes: dict
    stratify: Any = None


@dataclass
class _Plan:
    """A checked call, ready to train: nothing of it is on the estimator yet."""

    X: Any
    y: Any
    targets: Targets
    trainer: Trainer
    inputs: dict  # n_features_in_ and (maybe) feature_names_in_
    first_call: bool
    rng: Any = None
    validation: Any = None  # (X_val, Y_val, w_val), early stopping only


@contextmanager
def _random_state_kept_on_failure(random_state):
    """A ``RandomState`` passed as ``random_state`` goes back to where it was
    if the call fails (the estimator's parameters are part of its state)."""
    saved = random_state.get_state() if isinstance(random_state, np.random.RandomState) else None
    try:
        yield
    except BaseException:
        if saved is not None:
            random_state.set_state(saved)
        raise


class BaseMLP(CallbackSupportMixin, BaseEstimator):
    """Base of the MLP family. Do not use directly.

    Subclasses define ``__init__`` with their full signature, and
    :meth:`_encode_targets`, :meth:`_validation_scorer` and
    :meth:`_validation_split_stratified`.
    """

    _parameter_constraints = parameter_constraints()

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model (documented by each estimator: see ``FIT_DOC``)."""
        with _random_state_kept_on_failure(self.random_state):
            plan = self._prepare(X, y, sample_weight, partial=False)
            metadata = (None if plan.targets.sample_weight is None
                        else {"sample_weight": plan.targets.sample_weight})
            hooks = FitHooks(self, plan.X, plan.y, metadata,
                             snapshot=lambda trainer: self._fitted_state(plan, trainer.fork()))
            category, message = self._train(plan, hooks)
            hooks.close(plan.trainer)
            if category is not None:
                warnings.warn(message, category)
            self._publish(plan)
        return self

    def _train(self, plan, hooks):
        """Run the solver on ``plan.trainer``; returns (warning category or None, message)."""
        trainer = plan.trainer
        stochastic = SOLVERS[self.solver].stochastic
        try:
            converged, message = self._run_solver(plan, hooks)
        except TrainingDiverged as reason:
            self._check_kept_after_divergence(plan, reason)
            restored = reason.restored_epoch
            kept = self._best_validation_weights(trainer) or (
                f"the weights it had before epoch {restored + 1}, the epoch with the lowest "
                "training loss")
            return DivergenceWarning, (
                f"Training diverged in epoch {reason.epoch or trainer.history.n_iter + 1}: "
                f"{reason}. "
                f"The model keeps {kept}. Try a smaller learning_rate_init "
                f"(now {self.learning_rate_init}).")
        except TrainingInterrupted:
            kept = (self._best_validation_weights(trainer)
                    or ("the weights of the last completed mini-batch" if stochastic
                        else "the weights of the last completed iteration"))
            return TrainingInterruptedWarning, (
                f"Training interrupted (KeyboardInterrupt) after {trainer.history.n_iter} "
                f"whole {'epochs' if stochastic else 'iterations'}; the model "
                f"keeps {kept} and can be used or trained further.")
        return (None if converged else ConvergenceWarning), message

    def _check_kept_after_divergence(self, plan, reason):
        """Raise scikit-learn's ``ValueError`` unless a diverged fit kept a
        usable model: one that reached a finite loss and whose weights give
        finite outputs on the training data."""
        usable = reason.reached_finite_loss and plan.trainer.output_is_finite(plan.X)
        if not usable:
            detail = ("no epoch or iteration reached a finite loss" if not
                      reason.reached_finite_loss else "the weights kept give non-finite "
                      "outputs on the training data")
            raise self._non_finite_error(f"{reason}; {detail}") from None

    def _best_validation_weights(self, trainer):
        """With early stopping, which weights a stopped fit keeps (else None)."""
        if not self._early_stopping_applies():
            return None
        scores = trainer.history.validation_scores
        if not scores:
            return "its initial weights (no epoch was completed)"
        return f"the weights of its best validation epoch ({int(np.argmax(scores)) + 1})"

    def _early_stopping_applies(self):
        return self.early_stopping and SOLVERS[self.solver].stochastic

    def _run_solver(self, plan, hooks):
        """The one call of a ``fit`` into the training layer."""
        targets = plan.targets
        X, Y, sample_weight, validation = plan.X, targets.Y, targets.sample_weight, None
        if plan.validation is not None:
            (train, X_val, Y_val, w_val) = plan.validation
            X, Y = X[train], Y[train]
            sample_weight = None if sample_weight is None else sample_weight[train]
            validation = self._validation_scorer(targets, X_val, Y_val, w_val)
        spec = self._solver_spec(X.shape[0])
        return fit_trainer(plan.trainer, X, Y, sample_weight, spec, rng=plan.rng,
                           validation=validation, hooks=hooks)

    def _solver_spec(self, n_rows=None):
        """The solver's parameters, for the training layer.

        ``n_rows``: the rows a ``fit`` trains on, which clip the mini-batch
        size (with a warning when ``batch_size`` exceeds them); None for a
        ``partial_fit`` step, whose mini-batch is the rows it is given.
        """
        stochastic = SOLVERS[self.solver].stochastic
        batch_size = self._batch_size(n_rows) if stochastic and n_rows is not None else None
        return SolverSpec(self.solver, optimizer_arguments(self), max_iter=self.max_iter,
                          tol=self.tol, n_iter_no_change=self.n_iter_no_change,
                          batch_size=batch_size, shuffle=self.shuffle, max_fun=self.max_fun)

    # ---------------------------------------------------------- partial_fit
    def _check_stochastic_solver(self):
        if not SOLVERS[self.solver].stochastic:
            raise AttributeError("partial_fit is only available for stochastic optimizers; "
                                 f"solver={self.solver!r} is not stochastic.")
        return True

    def _partial_fit(self, X, y, sample_weight=None, classes=None):
        """One optimizer step on the mini-batch; the subclasses' ``partial_fit``.

        Plain NumPy input to a model whose parameters have not changed since
        the last call takes the fast path (:mod:`skmlp._calls`); anything
        else is validated in full.
        """
        if fast_partial_fit(self, X, y, sample_weight, classes):
            return self
        return self._partial_fit_validated(X, y, sample_weight, classes)

    @_fit_context(prefer_skip_nested_validation=True)
    def _partial_fit_validated(self, X, y, sample_weight, classes):
        """``partial_fit`` through the full validation (parameters included)."""
        with _random_state_kept_on_failure(self.random_state):
            plan = self._prepare(X, y, sample_weight, partial=True, classes=classes)
            targets = plan.targets
            try:
                partial_fit_step(plan.trainer, plan.X, targets.Y, targets.sample_weight,
                                 self._solver_spec())
            except TrainingDiverged as reason:
                # The step is on new state: raising leaves the model as it was.
                raise self._partial_fit_diverged(reason) from None
            self._publish(plan, call_cache=(plan.trainer, param_snapshot(self)))
        return self

    def _partial_fit_diverged(self, reason):
        """scikit-learn's ``ValueError`` for a ``partial_fit`` step that diverged."""
        return self._non_finite_error(f"partial_fit: {reason}")

    def _non_finite_error(self, what):
        """scikit-learn's ``ValueError`` for training that reached no usable
        weights, saying ``what`` happened and what to try."""
        advice = (f"try a smaller learning_rate_init (now {self.learning_rate_init}) or scale "
                  "the data" if SOLVERS[self.solver].stochastic else "scale the data")
        return ValueError(f"{NON_FINITE_MESSAGE} ({what}; {advice}.) The model was left as "
                          "it was.")

    # -------------------------------------------------------------- checks
    def _prepare(self, X, y, sample_weight, *, partial, classes=None):
        """Check everything and build the new training state; change nothing.

        Returns
        -------
        plan : _Plan
        """
        if partial and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True: it takes one "
                             "step on the mini-batch it is given; hold out a validation set "
                             "and score it between calls instead.")
        fitted = hasattr(self, "_trainer")
        continuing = fitted if partial else (self.warm_start and fitted)
        dropout = self._dropout_rates()
        X, y, inputs = self._validate_input(X, y, reset=not continuing)
        dtype = self._trainer.params.dtype if continuing else X.dtype
        if X.dtype != dtype:  # float64 data for a float32 model: values may overflow
            with np.errstate(over="ignore"):
                given, X = X, X.astype(dtype)
            check_finite_cast(X, given, "X")
        sample_weight = check_sample_weight(sample_weight, X)
        targets = self._encode_targets(y, sample_weight, dtype, partial=partial,
                                       classes=classes, continuing=continuing)
        targets.sample_weight = weights_in_dtype(targets.sample_weight, dtype)
        layer_units, objective = self._network(X.shape[1], targets)
        rng = None if (partial and continuing) else self._rng()
        trainer = self._start_trainer(layer_units, dtype, objective, dropout, rng, continuing)
        plan = _Plan(X, y, targets, trainer, inputs, first_call=partial and not continuing,
                     rng=rng)
        if not partial and self._early_stopping_applies():
            plan.validation = self._split_validation(X, targets, rng)
        return plan

    def _start_trainer(self, layer_units, dtype, objective, dropout, rng, continuing):
        """A new trainer, or (``continuing``) a fork of the fitted one, starting
        from ``coefs_``/``intercepts_`` if they were assigned from outside."""
        fitted = (dict(previous=self._trainer, coefs=self.coefs_, intercepts=self.intercepts_)
                  if continuing else {})
        return start_trainer(layer_units, dtype, objective, dropout, rng, **fitted)

    def _validate_input(self, X, y, *, reset):
        """Validate ``X`` and ``y``; with ``reset``, learn the input attributes
        on a blank instance, so that this estimator is not touched yet."""
        if reset:  # a blank instance with the same parameters (and so the same tags)
            owner = object.__new__(type(self))
            owner.__dict__.update(self.get_params(deep=False))
        else:
            owner = self
        X, y = validate_data(owner, X, y, accept_sparse=ACCEPTED_SPARSE,
                             dtype=FLOAT_DTYPES, multi_output=True, y_numeric=self._y_numeric,
                             reset=reset)
        inputs = {name: getattr(owner, name) for name in ("n_features_in_", "feature_names_in_")
                  if hasattr(owner, name)} if reset else None
        return X, ravel_column(y), inputs

    _y_numeric = False

    def _split_validation(self, X, targets, rng):
        """Hold out ``validation_fraction`` of the rows for early stopping.

        The split is stratified by class when every class can have a row in
        both parts (two rows or more per class, and at least as many rows
        in each part as there are classes); otherwise it is a plain random
        split, as scikit-learn's is for multiclass targets. Like
        scikit-learn, a validation set of fewer than 2 rows is refused; so
        is one whose sample weights are all zero (its score is undefined).
        """
        n_samples = X.shape[0]
        n_val = math.ceil(self.validation_fraction * n_samples)  # train_test_split's count
        if n_val < 2 or n_samples - n_val < 1:
            raise ValueError(
                f"The validation set is too small. Increase 'validation_fraction' or the "
                f"size of your dataset: validation_fraction={self.validation_fraction} of "
                f"{n_samples} samples holds {n_val}, and early stopping needs at least 2 in "
                "it and 1 in the training part (or set early_stopping=False).")
        stratify = targets.stratify
        if stratify is not None:
            _, counts = np.unique(stratify, return_counts=True)
            if counts.min() < 2 or min(n_val, n_samples - n_val) < len(counts):
                stratify = None
        train, val = train_test_split(
            np.arange(n_samples), test_size=self.validation_fraction, stratify=stratify,
            random_state=int(rng.integers(np.iinfo(np.int32).max)))
        w = targets.sample_weight
        if w is not None:
            for part, rows in (("validation", val), ("training", train)):
                if not np.any(w[rows]):
                    raise ValueError(
                        f"Every row of the early-stopping {part} set ({len(rows)} rows, "
                        f"validation_fraction={self.validation_fraction}) has sample weight "
                        "(times class weight) zero, so it cannot be scored or trained on. "
                        "Change random_state or validation_fraction, give more rows a "
                        "positive weight, or set early_stopping=False.")
        return train, X[val], targets.Y[val], None if w is None else w[val]

    # ------------------------------------------------------------- publish
    def _fitted_state(self, plan, trainer=None):
        """The fitted attributes of ``plan`` (at ``trainer``, default the plan's)."""
        trainer = plan.trainer if trainer is None else trainer
        history = trainer.history
        early = self._early_stopping_applies()
        return {
            # Lists of their own (of the trainer's views): a layer popped from
            # coefs_ is then seen, not silently restored from the trainer.
            "coefs_": list(trainer.coefs), "intercepts_": list(trainer.intercepts),
            "n_iter_": history.n_iter, "t_": history.t,
            "loss_curve_": history.loss_curve, "loss_": history.last_loss,
            "best_loss_": None if early else history.best_loss,
            "validation_scores_": history.validation_scores if early else None,
            "validation_loss_curve_": history.validation_loss_curve if early else None,
            "best_validation_score_": history.best_validation_score if early else None,
            "n_layers_": len(trainer.layout.layer_units),
            "n_outputs_": trainer.layout.layer_units[-1],
            "out_activation_": plan.targets.out_activation,
            "_trainer": trainer,
            **plan.targets.attributes,
            **(plan.inputs or {}),
        }

    def _publish(self, plan, call_cache=None):
        """Swap in the complete new state with a single assignment.

        ``call_cache`` (the trainer and a snapshot of the parameters it was
        validated with) opens the fast path of :mod:`skmlp._calls` to the
        next ``partial_fit``; any other call closes it.
        """
        state = dict(vars(self))
        if plan.inputs is not None:  # a new fit: the input attributes are new too
            state.pop("feature_names_in_", None)
        state.update(self._fitted_state(plan))
        state["_call_cache"] = call_cache
        self.__dict__ = state

    # ------------------------------------------------------------ predict
    def _output(self, X, output_activation=None):
        """Output-layer activations (or, with 'identity', pre-activations)."""
        check_is_fitted(self)
        # Scanning all of a dense X for nan/inf costs up to half the time of a
        # small network's forward pass; with no zero in W^1, the forward pass
        # checks X through z^1 instead (see forward's check_input), and X is
        # scanned with scikit-learn's check only when that check fires.
        plain = plain_rows(self, X)  # a float ndarray of the right width: checked
        X = plain if plain is not None else validate_data(
            self, X, accept_sparse=ACCEPTED_SPARSE, dtype=FLOAT_DTYPES, reset=False,
            ensure_all_finite=False)
        check_fitted_weights(self.coefs_, self.intercepts_, self.n_features_in_,
                             self.n_outputs_, self.n_layers_)
        check_input = not sp.issparse(X) and bool(np.all(self.coefs_[0]))
        if not check_input:
            assert_all_finite(X, input_name="X")
        args = (self.coefs_, self.intercepts_, X, self._trainer.objective["hidden_activation"],
                output_activation or self.out_activation_)
        # New arrays per call: concurrent predictions share no scratch memory.
        try:
            activations, _ = forward(*args, check_input=check_input)
        except NonFiniteLayerInput:
            assert_all_finite(X, input_name="X")  # raises, naming nan or inf
            with np.errstate(over="ignore", invalid="ignore"):  # X finite but huge
                activations, _ = forward(*args)
        return activations[-1]

    # ----------------------------------------------------------- pickling
    def __getstate__(self):
        # Plain data: no private class of skmlp is saved (see _persistence).
        return saved_state(super().__getstate__())

    def __setstate__(self, state):
        super().__setstate__(loaded_state(state, type(self).__name__))

    def __sklearn_is_fitted__(self):
        # check_is_fitted otherwise scans every attribute for a trailing "_",
        # about 40 us of each prediction on a small network.
        return hasattr(self, "_trainer")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------- helpers
    def _rng(self):
        """A NumPy Generator seeded from ``random_state``."""
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return np.random.default_rng(seed)

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if np.iterable(sizes) else [sizes]
        if any(not isinstance(s, Integral) or s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {sizes}.")
        return [int(s) for s in sizes]

    def _network(self, n_features, targets):
        """The layer sizes and the objective the parameters and ``targets`` ask for.

        Returns
        -------
        layer_units : tuple of int
            ``(n_features, n_hidden_1, ..., n_outputs)``.
        objective : dict
            Keyword arguments of :func:`~skmlp._core.objective.loss_and_gradient`.
        """
        layer_units = (n_features, *self._hidden_sizes(), targets.Y.shape[1])
        objective = dict(hidden_activation=self.activation,
                         output_activation=targets.out_activation, loss=self.loss,
                         alpha=self.alpha)
        return layer_units, objective

    def _dropout_rates(self):
        """One dropout probability per hidden layer."""
        n_hidden = len(self._hidden_sizes())
        if np.ndim(self.dropout) == 0:
            return [float(self.dropout)] * n_hidden
        rates = [float(p) for p in self.dropout]
        if len(rates) != n_hidden or not all(0 <= p < 1 for p in rates):
            raise ValueError(f"dropout must be a float in [0, 1) or one such float per hidden "
                             f"layer ({n_hidden}), got {self.dropout!r}.")
        return rates

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(f"Got `batch_size`={self.batch_size} larger than the number of "
                          f"samples {n_samples}; it is clipped to {n_samples}.")
        return min(self.batch_size, n_samples)

    def _gradient_problem(self, X, y, sample_weight=None):
        """The float64 objective at the current weights (or a fresh initialisation).

        For :func:`skmlp.utils.check_gradients`: dropout is left out (a
        gradient check needs a deterministic objective).

        Returns
        -------
        params : ndarray of shape (n_params,)
        layout : ParameterLayout
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,) or None
        objective : dict
        """
        fitted = hasattr(self, "_trainer")
        X, y, _ = self._validate_input(X, y, reset=not fitted)
        X = X.astype(np.float64, copy=False)
        sample_weight = check_sample_weight(sample_weight, X)
        targets = self._encode_targets(y, sample_weight, np.float64, partial=False,
                                        classes=None, continuing=fitted)
        layer_units, objective = self._network(X.shape[1], targets)
        if fitted:
            layout = self._trainer.layout
            params = layout.pack(self.coefs_, self.intercepts_, np.float64)
        else:
            trainer = Trainer.initialize(layer_units, self._rng(), np.float64, objective)
            layout, params = trainer.layout, trainer.params
        return params.copy(), layout, X, targets.Y, targets.sample_weight, objective
