"""MLPClassifier: the scikit-learn face of skmlp.

The estimator layer speaks scikit-learn: this module holds the parameter
constraints, input validation, tags and warnings; :mod:`skmlp._targets` the
label encoding and the sample and class weights. The mathematics lives in
:mod:`skmlp._core` and the training loop in :mod:`skmlp._training`.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._available_if import available_if
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._core.activations import HIDDEN_ACTIVATIONS, log_activation
from ._core.losses import LOSSES
from ._core.network import NonFiniteLayerInput, forward
from ._core.optimizers import LEARNING_RATE_SCHEDULES
from ._docstring import CLASSIFIER_DOC
from ._callbacks import FitHooks
from ._lbfgs import fit_lbfgs
from ._targets import (
    check_labels,
    check_sample_weight,
    fit_label_binarizer,
    ravel_column,
    with_class_weight,
)
from ._training import (
    Trainer,
    configure_optimizer,
    TrainingDiverged,
    TrainingInterrupted,
    make_optimizer,
    run_epochs,
)
from ._version import __version__
from .exceptions import DivergenceWarning, InconsistentVersionWarning, TrainingInterruptedWarning

try:  # scikit-learn >= 1.9: set_callbacks(ProgressBar(), ScoringMonitor(...))
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn

    class CallbackSupportMixin:
        """Placeholder: this scikit-learn has no callback API."""

_ACCEPTED_SPARSE = ["csr", "csc"]
_FLOAT_DTYPES = (np.float64, np.float32)


class MLPClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    __doc__ = CLASSIFIER_DOC

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(LEARNING_RATE_SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        class_weight=None,
        dropout=0.0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.class_weight = class_weight
        self.dropout = dropout

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 data trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss (a weighted mean).

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.
        """
        continuing = self.warm_start and hasattr(self, "_trainer")
        X, y = validate_data(self, X, y, accept_sparse=_ACCEPTED_SPARSE,
                             dtype=_FLOAT_DTYPES, multi_output=True, reset=not continuing)
        y = ravel_column(y)
        sample_weight = check_sample_weight(sample_weight, X)
        if continuing:
            check_labels(self._label_binarizer, y, same_classes=True)
        else:
            self._fit_labels(y)
        sample_weight = with_class_weight(self.class_weight, self._label_binarizer,
                                          sample_weight, y, X.dtype)
        Y = self._label_binarizer.transform(y).astype(X.dtype, copy=False)
        rng = self._rng()
        if continuing:
            self._sync_trainer()
            self._check_architecture(X.shape[1])
        else:
            self._trainer = self._new_trainer(X.shape[1], Y.shape[1], X.dtype, rng)
        trainer = self._trainer
        trainer.objective = self._objective()
        trainer.dropout, trainer.rng = self._dropout_rates(), rng
        # A fresh stopping rule, so that a warm start trains for max_iter epochs.
        trainer.history.reset_stopping_rule()
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        hooks = FitHooks(self, X, y, metadata)
        category = ConvergenceWarning
        try:
            if self.solver == "lbfgs":
                converged, message = self._fit_lbfgs(X, Y, sample_weight, hooks)
            else:
                converged, message = self._fit_stochastic(X, Y, y, sample_weight, rng, hooks)
        except TrainingDiverged as reason:
            converged, category = False, DivergenceWarning
            restored = getattr(reason, "restored_epoch", trainer.history.n_iter)
            kept = self._best_validation_weights() or (
                f"the weights it had before epoch {restored + 1}, the epoch with the lowest "
                "training loss")
            message = (f"Training diverged in epoch {trainer.history.n_iter + 1}: {reason}. "
                       f"The model keeps {kept}. Try a smaller learning_rate_init "
                       f"(now {self.learning_rate_init}).")
        except TrainingInterrupted:
            converged, category = False, TrainingInterruptedWarning
            kept = self._best_validation_weights() or "the weights of the last completed mini-batch"
            message = (f"Training interrupted (KeyboardInterrupt) after {trainer.history.n_iter} "
                       f"whole epochs; the model keeps {kept} and can be used or trained "
                       "further.")
        self._publish()
        hooks.close()
        if not converged:
            warnings.warn(message, category)
        return self

    def _best_validation_weights(self):
        """With early stopping, which weights a stopped fit keeps (else None)."""
        if not self.early_stopping or self.solver == "lbfgs":
            return None
        scores = self._trainer.history.validation_scores
        if not scores:
            return "its initial weights (no epoch was completed)"
        return f"the weights of its best validation epoch ({int(np.argmax(scores)) + 1})"

    def _fit_stochastic(self, X, Y, y, sample_weight, rng, hooks):
        trainer = self._trainer
        # A new optimizer per fit: it reads the current hyper-parameters.
        trainer.optimizer = self._new_optimizer(trainer.layout.n_params, trainer.params.dtype)
        validation = None
        if self.early_stopping:
            X, Y, sample_weight, validation = self._split_validation(X, Y, y, sample_weight, rng)
        converged = run_epochs(
            trainer, X, Y, sample_weight, batch_size=self._batch_size(X.shape[0]),
            max_iter=self.max_iter, rng=rng, shuffle=self.shuffle, tol=self.tol,
            n_iter_no_change=self.n_iter_no_change, validation=validation, hooks=hooks,
        )
        return converged, (f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                           "reached and the optimization hasn't converged yet.")

    def _fit_lbfgs(self, X, Y, sample_weight, hooks):
        trainer = self._trainer
        hooks.epoch_begin(trainer)

        def on_iteration(trainer):
            stop = hooks.epoch_end(trainer)
            if not stop and trainer.history.n_iter < self.max_iter:
                hooks.epoch_begin(trainer)  # closed by hooks.close() if it never runs
            return stop

        return fit_lbfgs(trainer, X, Y, sample_weight, max_iter=self.max_iter,
                         max_fun=self.max_fun, tol=self.tol, on_iteration=on_iteration)

    def _split_validation(self, X, Y, y, sample_weight, rng):
        """Hold out a stratified ``validation_fraction`` of the rows."""
        stratify = None if self._label_binarizer.y_type_ == "multilabel-indicator" else y
        train, val = train_test_split(
            np.arange(X.shape[0]), test_size=self.validation_fraction, stratify=stratify,
            random_state=int(rng.integers(np.iinfo(np.int32).max)),
        )
        weights = (None, None) if sample_weight is None else (sample_weight[train],
                                                              sample_weight[val])
        return X[train], Y[train], weights[0], (X[val], Y[val], weights[1])

    def _check_stochastic_solver(self):
        if self.solver == "lbfgs":
            raise AttributeError("partial_fit is only available for stochastic optimizers; "
                                 f"solver={self.solver!r} is not stochastic.")
        return True

    @available_if(_check_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Take exactly one optimizer step on the mini-batch ``(X, y)``.

        Unlike scikit-learn's ``MLPClassifier.partial_fit``, which runs one
        epoch of mini-batches over the data it is given, every call here is a
        single step: all rows of ``X`` form one mini-batch, the gradient is the
        (weighted) mean over them, and the optimizer updates once.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The mini-batch.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Its labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the mean.
        classes : array-like of shape (n_classes,), default=None
            All classes that will ever appear. Required on the first call
            (unless the model was fitted before); if given later it must be
            the same.

        Returns
        -------
        self : MLPClassifier
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from skmlp import MLPClassifier
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        >>> clf = MLPClassifier(hidden_layer_sizes=(4,), random_state=0)
        >>> for _ in range(3):  # three calls, three optimizer steps
        ...     clf = clf.partial_fit(X, [0, 1, 1], classes=[0, 1])
        >>> clf.n_iter_, clf.t_
        (3, 9)
        """
        first_call = not hasattr(self, "_trainer")
        if first_call and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit "
                "(all labels the model will ever see, e.g. classes=np.unique(y))."
            )
        X, y = validate_data(self, X, y, accept_sparse=_ACCEPTED_SPARSE,
                             dtype=_FLOAT_DTYPES, multi_output=True, reset=first_call)
        y = ravel_column(y)
        sample_weight = check_sample_weight(sample_weight, X)
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit, which sees one "
                "mini-batch at a time: pass class_weight=compute_class_weight('balanced', "
                "classes=classes, y=y_sample) computed on a representative sample of y.")
        # On a first call nothing is stored until every check has passed, so a
        # refused first call leaves the estimator unfitted.
        dropout = self._dropout_rates()
        binarizer = fit_label_binarizer(y, classes) if first_call else self._label_binarizer
        if not first_call:
            if classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
                raise ValueError(
                    f"classes={unique_labels(classes).tolist()} differs from the classes "
                    f"of the earlier calls, {self.classes_.tolist()}."
                )
            check_labels(self._label_binarizer, y)
            self._sync_trainer()
            self._check_architecture(X.shape[1])
        dtype = X.dtype if first_call else self._trainer.params.dtype
        X = X.astype(dtype, copy=False)
        Y = binarizer.transform(y).astype(dtype, copy=False)
        sample_weight = with_class_weight(self.class_weight, binarizer, sample_weight, y, dtype)
        if first_call:
            self._adopt_labels(binarizer)
            self._trainer = self._new_trainer(X.shape[1], Y.shape[1], dtype, self._rng())
        trainer = self._trainer
        trainer.objective = self._objective()
        trainer.dropout = dropout
        # The optimizer follows the current parameters (set_params between
        # calls), keeping its state (velocity, moments) while the solver stays.
        trainer.optimizer = configure_optimizer(trainer.optimizer, self.solver,
                                                trainer.layout.n_params, trainer.params.dtype,
                                                **self._optimizer_params())
        checkpoint = trainer.checkpoint()
        try:
            loss = trainer.step(X, Y, sample_weight)
            if not trainer.is_healthy():
                raise TrainingDiverged("the weights became non-finite or too large")
        except TrainingDiverged as reason:
            trainer.rollback(checkpoint)
            self._publish()  # after a first call: the initial weights, n_iter_ = 0
            warnings.warn(f"partial_fit diverged: {reason}. The step was undone; try a "
                          f"smaller learning_rate_init (now {self.learning_rate_init}).",
                          DivergenceWarning)
            return self
        history = trainer.history
        history.n_iter += 1
        history.t += X.shape[0]
        # Constant memory over endless streams: loss_ and best_loss_, no curve.
        history.last_loss = loss
        history.best_loss = min(history.best_loss, loss)
        trainer.optimizer.iteration_ends(history.t)
        self._publish()
        return self

    # ------------------------------------------------------------ predict
    def _output(self, X, output_activation=None):
        """Output-layer activations (or, with 'identity', pre-activations)."""
        check_is_fitted(self)
        # Scanning all of a dense X for nan/inf costs up to half the time of a
        # small network's forward pass; with no zero in W^1, the forward pass
        # checks X through z^1 instead (see forward's check_input), and X is
        # scanned with scikit-learn's check only when that check fires.
        X = validate_data(self, X, accept_sparse=_ACCEPTED_SPARSE, dtype=_FLOAT_DTYPES,
                          reset=False, ensure_all_finite=False)
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

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``; for
            multilabel targets, the probability of each label.
        """
        proba = self._output(X)
        if self._is_binary():
            proba = np.hstack([1 - proba, proba])
        # Mathematically every probability lies strictly between 0 and 1; keep
        # rounding (underflow to 0, or 1 - 1e-17 == 1) from saying otherwise.
        # The change is below 1e-16, and log(proba) stays finite.
        finfo = np.finfo(proba.dtype)
        return np.clip(proba, finfo.tiny, 1 - finfo.epsneg, out=proba)

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates, computed as a log-softmax.

        The logarithm is taken of the output pre-activations directly, so it is
        finite even where a probability underflows to 0.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, in the order of ``classes_``.
        """
        Z = self._output(X, output_activation="identity")
        if self._is_binary():
            return np.hstack([log_activation("logistic", -Z), log_activation("logistic", Z)])
        return log_activation(self.out_activation_, Z)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted classes, the argmax of :meth:`predict_proba`; for
            multilabel targets an indicator matrix (probability > 0.5).
        """
        proba = self._output(X)  # unclipped: thresholds and argmax need no clipping
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return (proba > 0.5).astype(int)
        if self._is_binary():
            return self.classes_[(proba[:, 0] > 0.5).astype(np.intp)]
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on the given test data and labels.

        For multilabel targets this is the subset accuracy: a row counts only
        when every label is predicted correctly.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            True labels for ``X``.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights; checked like those of ``fit`` (finite,
            non-negative, one per row).

        Returns
        -------
        score : float
            Mean accuracy of ``self.predict(X)`` with respect to ``y``.
        """
        if sample_weight is not None:
            # Checked here so that every supported scikit-learn rejects NaN,
            # inf, negative or misshapen weights (accuracy_score checks them
            # only from 1.8 on).
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        return super().score(X, y, sample_weight=sample_weight)

    def __getstate__(self):
        state = super().__getstate__()
        state["_skmlp_version"] = __version__
        return state

    def __setstate__(self, state):
        saved = state.pop("_skmlp_version", "unknown (before 0.1.0)")
        if saved != __version__:
            warnings.warn(InconsistentVersionWarning(
                estimator_name=type(self).__name__, original_version=saved,
                current_version=__version__))
        super().__setstate__(state)

    def __sklearn_is_fitted__(self):
        # check_is_fitted otherwise scans every attribute for a trailing "_",
        # about 40 us of each prediction on a small network.
        return hasattr(self, "_trainer")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------- helpers
    def _is_binary(self):
        return self._label_binarizer.y_type_ == "binary"

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

    def _fit_labels(self, y, classes=None):
        """Learn the label encoding (classes_, out_activation_) from y or classes."""
        self._adopt_labels(fit_label_binarizer(y, classes))

    def _adopt_labels(self, binarizer):
        """Store a fitted label encoding as classes_ and out_activation_."""
        self._label_binarizer = binarizer
        self.classes_ = binarizer.classes_
        self.out_activation_ = "softmax" if binarizer.y_type_ == "multiclass" else "logistic"

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

    def _objective(self):
        return dict(hidden_activation=self.activation, output_activation=self.out_activation_,
                    loss=self.loss, alpha=self.alpha)

    def _optimizer_params(self):
        return dict(learning_rate_init=self.learning_rate_init, momentum=self.momentum,
                    nesterovs_momentum=self.nesterovs_momentum,
                    learning_rate=self.learning_rate, power_t=self.power_t,
                    beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)

    def _new_optimizer(self, n_params, dtype):
        if self.solver == "lbfgs":
            return None  # scipy's L-BFGS keeps its own state
        return make_optimizer(self.solver, n_params, dtype, **self._optimizer_params())

    def _new_trainer(self, n_features, n_outputs, dtype, rng):
        layer_units = [n_features, *self._hidden_sizes(), n_outputs]
        return Trainer.initialize(layer_units, rng, dtype, self._new_optimizer, self._objective(),
                                  self._dropout_rates())

    def _sync_trainer(self):
        """Make coefs_/intercepts_ the trainer's views again (after unpickling or
        after a user assigned new arrays to them)."""
        trainer = self._trainer
        if not trainer.owns(self.coefs_, self.intercepts_):
            trainer.load(self.coefs_, self.intercepts_)
            self.coefs_, self.intercepts_ = trainer.coefs, trainer.intercepts

    def _check_architecture(self, n_features):
        expected = (n_features, *self._hidden_sizes(), len(self._label_binarizer.classes_)
                    if not self._is_binary() else 1)
        if tuple(self._trainer.layout.layer_units) != expected:
            raise ValueError(
                f"The fitted network has layer sizes {self._trainer.layout.layer_units}, "
                f"but the current parameters ask for {expected}. Set warm_start=False "
                "(or call fit rather than partial_fit) to start a new network."
            )

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(f"Got `batch_size`={self.batch_size} larger than the number of "
                          f"samples {n_samples}; it is clipped to {n_samples}.")
        return min(self.batch_size, n_samples)

    def _publish(self):
        """Expose the trainer's state as scikit-learn's fitted attributes."""
        trainer = self._trainer
        history = trainer.history
        self.coefs_, self.intercepts_ = trainer.coefs, trainer.intercepts
        self.n_iter_ = history.n_iter
        self.t_ = history.t
        self.loss_curve_ = history.loss_curve
        self.loss_ = history.last_loss
        self.best_loss_ = history.best_loss
        if self.early_stopping and self.solver != "lbfgs":
            self.validation_scores_ = history.validation_scores
            self.validation_loss_curve_ = history.validation_loss_curve
            self.best_validation_score_ = history.best_validation_score
            self.best_loss_ = None
        else:
            self.validation_scores_ = self.validation_loss_curve_ = None
            self.best_validation_score_ = None
        self.n_layers_ = len(trainer.layout.layer_units)
        self.n_outputs_ = trainer.layout.layer_units[-1]

