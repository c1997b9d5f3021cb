"""MLPClassifier: labels, probabilities, class weights, accuracy.

Everything the MLP family shares (parameters, fit / partial_fit, solvers,
early stopping, persistence) is in :class:`skmlp._base.BaseMLP`; this module
adds what is about classes. :mod:`skmlp._targets` holds the label encoding
and the sample and class weights. The mathematics lives in
:mod:`skmlp._core` and the training loop in :mod:`skmlp._training`.
"""

import numpy as np
from scipy.special import logsumexp
from sklearn.base import ClassifierMixin
from sklearn.utils._available_if import available_if
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._base import BaseMLP, Targets
from ._core.outputs import log_output
from ._core.outputs import output_loss
from ._core.objective import sample_scale_and_norm
from ._docstring import FIT_DOC, CLASSIFIER_DOC
from ._parameters import parameter_constraints
from ._targets import check_labels, fit_label_binarizer, with_class_weight


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = CLASSIFIER_DOC

    _parameter_constraints = parameter_constraints("classifier")

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
        output_activation="auto",
        weight_decay=0.01,
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
        self.output_activation = output_activation
        self.weight_decay = weight_decay

    def fit(self, X, y, sample_weight=None):
        return super().fit(X, y, sample_weight=sample_weight)

    fit.__doc__ = FIT_DOC.format(targets='labels', y_type='array-like of shape (n_samples,) or (n_samples, n_labels)', y_text='Class labels, or a 0/1 indicator matrix for multilabel targets.', name='MLPClassifier')

    @available_if(BaseMLP._check_stochastic_solver)
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
        return self._partial_fit(X, y, sample_weight=sample_weight, classes=classes)

    # -------------------------------------------------------------- targets
    def _encode_targets(self, y, sample_weight, dtype, *, partial, classes, continuing):
        """Labels -> binarised targets, class weights, and the output layer.

        Parameters
        ----------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : ndarray of shape (n_samples,) or None
        dtype : dtype
        partial : bool
            A ``partial_fit`` call.
        classes : array-like or None
            ``partial_fit``'s ``classes``.
        continuing : bool
            Whether the call continues the fitted model (warm start, or a
            later ``partial_fit``), whose classes must then be kept.

        Returns
        -------
        targets : Targets
        """
        if partial and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit, which sees one "
                "mini-batch at a time: pass class_weight=compute_class_weight('balanced', "
                "classes=classes, y=y_sample) computed on a representative sample of y.")
        if continuing:
            binarizer = self._label_binarizer
            if classes is not None and not np.array_equal(unique_labels(classes),
                                                          self.classes_):
                raise ValueError(
                    f"classes={unique_labels(classes).tolist()} differs from the classes "
                    f"of the earlier calls, {self.classes_.tolist()}.")
            check_labels(binarizer, y, same_classes=not partial)
        else:
            if partial and classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit "
                    "(all labels the model will ever see, e.g. classes=np.unique(y)).")
            binarizer = fit_label_binarizer(y, classes if partial else None)
        weights = with_class_weight(self.class_weight, binarizer, sample_weight, y, np.float64)
        multilabel = binarizer.y_type_ == "multilabel-indicator"
        return Targets(
            Y=binarizer.transform(y).astype(dtype, copy=False), sample_weight=weights,
            out_activation=self._output_layer(binarizer.y_type_),
            attributes={"classes_": binarizer.classes_, "_label_binarizer": binarizer},
            stratify=None if multilabel else y)

    def _fast_targets(self, y, dtype):
        """Labels of a plain ``ndarray`` encoded against ``classes_`` directly,
        for the fast call path (:mod:`skmlp._calls`); None sends the call
        down the full path (multilabel, class weights, another kind of
        label, or a label that is not in ``classes_``).

        Returns
        -------
        Y : ndarray of shape (n_samples, n_outputs) or None
            As the label binarizer encodes them.
        """
        classes = self.classes_
        numbers = "iufb"
        if (y.ndim != 1 or self.class_weight is not None
                or self._label_binarizer.y_type_ == "multilabel-indicator"
                or not ((y.dtype.kind in numbers and classes.dtype.kind in numbers)
                        or y.dtype.kind == classes.dtype.kind == "U")):
            return None
        index = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
        if not np.array_equal(classes[index], y):
            return None  # an unknown label (or NaN): the full path names it
        if len(classes) <= 2:  # one output: is it the second class?
            return (index == 1).astype(dtype).reshape(-1, 1)
        Y = np.zeros((len(y), len(classes)), dtype=dtype)
        Y[np.arange(len(y)), index] = 1
        return Y

    def _output_layer(self, target_type):
        """'softmax' for multiclass targets (unless output_activation='logistic'),
        else 'logistic'."""
        if target_type == "multiclass" and self.output_activation == "auto":
            return "softmax"
        return "logistic"

    def _validation_scorer(self, targets, X_val, Y_val, w_val):
        """Accuracy (exact match) and log-loss on the held-out rows.

        Returns
        -------
        scorer : callable
            ``scorer(trainer) -> (accuracy, log_loss)``.
        """
        pair = output_loss(targets.out_activation, "log_loss")
        one_of_k = targets.stratify is not None and Y_val.shape[1] > 1  # multiclass
        one_class = len(targets.attributes["classes_"]) == 1
        sample_scale, _ = sample_scale_and_norm(X_val.shape[0], w_val, Y_val.dtype)

        def score(trainer):
            A = trainer.outputs(X_val)
            if one_class:  # the prediction is that class, whatever the output
                correct = np.ones(len(A), dtype=bool)
            elif one_of_k:  # the largest output is the prediction
                correct = A.argmax(axis=1) == Y_val.argmax(axis=1)
            else:
                correct = np.all((A > 0.5) == (Y_val > 0.5), axis=1)
            accuracy = float(np.average(correct, weights=w_val))
            return accuracy, pair.value(Y_val, A, sample_scale)

        return score

    # ------------------------------------------------------------ predict
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
            multilabel targets, the probability of each label. With
            ``output_activation='logistic'`` on multiclass targets, the
            sigmoid outputs normalised to sum to one. A model fitted on one
            class answers one column of 1.0.
        """
        check_is_fitted(self)
        if self._one_class():
            return self._one_class_proba(X)
        if self._sigmoid_multiclass():
            return np.exp(self._sigmoid_multiclass_log_proba(X))
        proba = self._output(X)
        if self._is_binary():
            proba = np.hstack([1 - proba, proba])
        # Mathematically every probability lies strictly between 0 and 1; keep
        # rounding (underflow to 0, or 1 - 1e-17 == 1) from saying otherwise.
        # The change is below 1e-16, and log(proba) stays finite.
        finfo = np.finfo(proba.dtype)
        return np.clip(proba, finfo.tiny, 1 - finfo.epsneg, out=proba)

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates.

        ``log(predict_proba(X))``, as in scikit-learn; finite everywhere,
        since :meth:`predict_proba` keeps every probability at least the
        smallest normal number ``tiny`` of its dtype.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, in the order of ``classes_``.
        """
        return np.log(self.predict_proba(X))

    def _sigmoid_multiclass_log_proba(self, X):
        """Normalised log-sigmoids of ``output_activation='logistic'`` on
        multiclass targets: ``log(a_k / sum_j a_j)`` from the pre-activations,
        so that no row becomes 0 / 0 where every sigmoid underflows."""
        log_A = log_output("logistic", self._output(X, output_activation="identity"))
        log_A -= logsumexp(log_A, axis=1, keepdims=True)
        finfo = np.finfo(log_A.dtype)
        return np.clip(log_A, np.log(finfo.tiny), np.log1p(-finfo.epsneg), out=log_A)

    def _one_class_proba(self, X):
        """One column of 1.0 per row of ``X``: the probabilities of a
        one-class model (after checking ``X`` as every prediction does)."""
        Z = self._output(X, output_activation="identity")
        return np.ones((Z.shape[0], 1), dtype=Z.dtype)

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
        check_is_fitted(self)
        if self._one_class() or self._sigmoid_multiclass():
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
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
            Sample weights: finite, one per row (negative weights are
            passed on to the metric, as in scikit-learn).

        Returns
        -------
        score : float
            Mean accuracy of ``self.predict(X)`` with respect to ``y``.
        """
        if sample_weight is not None:
            # Checked here so that every supported scikit-learn rejects NaN,
            # inf or misshapen weights (accuracy_score checks them only from
            # 1.8 on).
            sample_weight = _check_sample_weight(sample_weight, X)
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _is_binary(self):
        return self._label_binarizer.y_type_ == "binary" and len(self.classes_) == 2

    def _one_class(self):
        return len(self.classes_) == 1

    def _sigmoid_multiclass(self):
        return self._label_binarizer.y_type_ == "multiclass" and self.out_activation_ == "logistic"
