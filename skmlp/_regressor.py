"""MLPRegressor: real-valued targets, R^2 as the validation score.

The second estimator on :class:`skmlp._base.BaseMLP`: everything about
solvers, early stopping, warm start, all-or-nothing calls and persistence
comes from the base. This module adds what is about regression targets:
their shape, the output layer the loss asks for, and R^2.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import _check_sample_weight

from ._base import BaseMLP, Targets
from ._targets import check_finite_cast
from ._core.objective import sample_scale_and_norm
from ._core.outputs import OUTPUTS, output_loss
from ._docstring import FIT_DOC, REGRESSOR_DOC
from ._parameters import REGRESSOR_OUTPUTS, parameter_constraints


def _output_for(loss):
    """The output layer of the table that ``loss`` pairs with (identity, exp)."""
    return next(name for name in REGRESSOR_OUTPUTS if loss in OUTPUTS[name].losses)


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = REGRESSOR_DOC

    _parameter_constraints = parameter_constraints("regressor")
    _y_numeric = True

    def __init__(
        self,
        loss="squared_error",
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
        dropout=0.0,
        weight_decay=0.01,
    ):
        self.loss = loss
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
        self.dropout = dropout
        self.weight_decay = weight_decay

    def fit(self, X, y, sample_weight=None):
        return super().fit(X, y, sample_weight=sample_weight)

    fit.__doc__ = FIT_DOC.format(targets='targets', y_type='array-like of shape (n_samples,) or (n_samples, n_targets)', y_text="Target values (non-negative for ``loss='poisson'``).", name='MLPRegressor')

    @available_if(BaseMLP._check_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """Take exactly one optimizer step on the mini-batch ``(X, y)``.

        Unlike scikit-learn's ``MLPRegressor.partial_fit``, which runs one
        epoch of mini-batches over the data it is given, every call here is a
        single step: all rows of ``X`` form one mini-batch, the gradient is the
        (weighted) mean over them, and the optimizer updates once.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The mini-batch.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Its targets; the number of targets must stay the same.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the mean.

        Returns
        -------
        self : MLPRegressor
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from skmlp import MLPRegressor
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        >>> reg = MLPRegressor(hidden_layer_sizes=(4,), random_state=0)
        >>> for _ in range(3):  # three calls, three optimizer steps
        ...     reg = reg.partial_fit(X, [1.0, 2.0, 3.0])
        >>> reg.n_iter_, reg.t_
        (3, 9)
        """
        return self._partial_fit(X, y, sample_weight=sample_weight)

    # -------------------------------------------------------------- targets
    def _encode_targets(self, y, sample_weight, dtype, *, partial, classes, continuing):
        """Targets as a matrix of shape ``(n_samples, n_targets)``, checked.

        Parameters
        ----------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : ndarray of shape (n_samples,) or None
        dtype : dtype
        partial, classes : unused
            Part of the base's interface (``classes`` is for classifiers).
        continuing : bool
            Whether the call continues the fitted model, whose number of
            targets must then be kept.

        Returns
        -------
        targets : Targets
        """
        if sp.issparse(y):  # multi-output targets given as a sparse matrix
            y = y.toarray()
        with np.errstate(over="ignore"):  # values beyond dtype: refused just below
            Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(dtype, copy=False)
        # Object targets holding None become NaN here, and values beyond the
        # range of a float32 model become inf: both are refused, naming y.
        check_finite_cast(Y, y, "y")
        if continuing and Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} target(s), but the fitted model has "
                             f"{self.n_outputs_}. Set warm_start=False (or call fit rather "
                             "than partial_fit) to start a new network.")
        if self.loss == "poisson" and np.any(Y < 0):
            raise ValueError(f"loss='poisson' needs non-negative targets (counts, rates); y "
                             f"has values down to {float(Y.min())}. Use "
                             "loss='squared_error' for targets of any sign.")
        return Targets(Y=Y, sample_weight=sample_weight,
                       out_activation=_output_for(self.loss), attributes={})

    def _fast_targets(self, y, dtype):
        """Targets of a plain numeric ``ndarray`` in the training dtype, for
        the fast call path (:mod:`skmlp._calls`); None sends the call down
        the full path (another shape, non-finite values, negative Poisson
        targets), which names the problem.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_outputs) or None
        """
        n_outputs = self.n_outputs_
        if y.dtype.kind not in "iuf" or not (
                (y.ndim == 1 and n_outputs == 1) or (y.ndim == 2 and y.shape[1] == n_outputs > 1)):
            return None
        with np.errstate(over="ignore"):
            Y = y.reshape(len(y), n_outputs).astype(dtype, copy=False)
        if not np.isfinite(Y).all() or (self.loss == "poisson" and (Y < 0).any()):
            return None
        return Y

    def _validation_scorer(self, targets, X_val, Y_val, w_val):
        """R^2 (scikit-learn's early-stopping score) and the loss on the held-out rows.

        Returns
        -------
        scorer : callable
            ``scorer(trainer) -> (r2, loss)``; R^2 is NaN when the outputs
            are not finite, as in scikit-learn.
        """
        pair = output_loss(targets.out_activation, self.loss)
        sample_scale, _ = sample_scale_and_norm(X_val.shape[0], w_val, Y_val.dtype)

        def score(trainer):
            A = trainer.outputs(X_val)
            if not np.isfinite(A).all():
                return np.nan, np.nan
            return (float(r2_score(Y_val, A, sample_weight=w_val)),
                    pair.value(Y_val, A, sample_scale))

        return score

    # ------------------------------------------------------------ predict
    def predict(self, X):
        """Predict using the multi-layer perceptron.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            The predicted values; 1-D when the model has one target, as in
            scikit-learn.
        """
        y_pred = self._output(X)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 of the prediction.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            True values for ``X``.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights: finite, one per row (negative weights are
            passed on to the metric, as in scikit-learn).

        Returns
        -------
        score : float
            R^2 of ``self.predict(X)`` with respect to ``y`` (uniform average
            over targets).
        """
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        if self.loss == "poisson":
            tags.target_tags.positive_only = True
        return tags
