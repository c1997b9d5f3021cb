"""The numpydoc docstrings of :class:`~skmlp.MLPClassifier` and :class:`~skmlp.MLPRegressor`.

Kept apart from the estimators so that their modules stay short. The
``Parameters`` sections come from the parameter table
(:mod:`skmlp._parameters`), in the order of each signature. Each fitted
attribute is described once here, with the few that differ (the validation
attributes, the outputs) written per estimator.
"""

from ._parameters import parameter_docs

#: Fitted attributes shared by the MLP family, by name.
_ATTRIBUTES = {
    'coefs_': """    coefs_ : list of ndarray of shape (n_in, n_out)
        ``coefs_[i]`` is the weight matrix from layer ``i`` to layer ``i + 1``.

""",
    'intercepts_': """    intercepts_ : list of ndarray of shape (n_out,)
        ``intercepts_[i]`` is the bias vector of layer ``i + 1``.

""",
    'n_features_in_': """    n_features_in_ : int
        Number of features seen during fit.

""",
    'feature_names_in_': """    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when X has string column names.

""",
    'n_iter_': """    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last :meth:`fit`, plus one
        per :meth:`partial_fit` step since.

""",
    't_': """    t_ : int
        Number of training samples seen by the stochastic optimizers, over
        all calls; an 'lbfgs' fit adds none (so it is 0 after a fresh
        'lbfgs' fit, and unchanged by a warm-started one).

""",
    'loss_': """    loss_ : float
        The latest loss: of the last epoch of :meth:`fit`, or of the last
        :meth:`partial_fit` step (NaN if the first fit stopped before a whole
        epoch).

""",
    'best_loss_': """    best_loss_ : float or None
        The lowest loss since the stopping rule was last reset by
        :meth:`fit`: epoch losses of that fit, then the mini-batch losses of
        the :meth:`partial_fit` steps since (which are noisier than epoch
        losses). None with ``early_stopping=True`` and a mini-batch solver.

""",
    'best_validation_score_': """    best_validation_score_ : float or None
        The best entry of ``validation_scores_`` (early stopping only).

""",
    'loss_curve_': """    loss_curve_ : list of float
        Loss of each epoch of :meth:`fit` (mean of the mini-batch losses).
        :meth:`partial_fit` does not append to it, so that endless streams
        of calls run in constant memory; read ``loss_`` after each call.

""",
    'n_layers_': """    n_layers_ : int
        Number of layers, input and output included.

""",
}

_CLASSIFIER_ATTRIBUTES = {
    "classes_": """    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel targets, ``arange(n_labels)``).

""",
    "validation_scores_": """    validation_scores_ : list of float or None
        Validation accuracy after each epoch (early stopping only).

""",
    "validation_loss_curve_": """    validation_loss_curve_ : list of float or None
        Validation log-loss after each epoch (early stopping only).

""",
    "n_outputs_": """    n_outputs_ : int
        Number of output units: 1 for binary targets, else one per class or
        label.

""",
    "out_activation_": """    out_activation_ : str
        'softmax' for multiclass targets, 'logistic' for binary and multilabel
        ones (and for multiclass ones with ``output_activation='logistic'``).

""",
}

_REGRESSOR_ATTRIBUTES = {
    "validation_scores_": """    validation_scores_ : list of float or None
        Validation R^2 after each epoch (early stopping only).

""",
    "validation_loss_curve_": """    validation_loss_curve_ : list of float or None
        Validation loss (the training loss, without the penalty) after each
        epoch (early stopping only).

""",
    "n_outputs_": """    n_outputs_ : int
        Number of targets.

""",
    "out_activation_": """    out_activation_ : str
        'identity' for 'squared_error', 'exp' for 'poisson'.

""",
}

_ATTRIBUTE_ORDER = ("classes_", "coefs_", "intercepts_", "n_features_in_", "feature_names_in_",
                    "n_iter_", "t_", "loss_", "best_loss_", "validation_scores_",
                    "validation_loss_curve_", "best_validation_score_", "loss_curve_",
                    "n_layers_", "n_outputs_", "out_activation_")


#: The references of both estimators' docstrings (numbered as their Notes cite them).
_REFERENCES = """    References
    ----------
    .. [1] D. E. Rumelhart, G. E. Hinton and R. J. Williams, "Learning
       representations by back-propagating errors", Nature 323, 533-536,
       1986.
    .. [2] X. Glorot and Y. Bengio, "Understanding the difficulty of training
       deep feedforward neural networks", Proceedings of the 13th
       International Conference on Artificial Intelligence and Statistics
       (AISTATS), 249-256, 2010.
    .. [3] D. P. Kingma and J. Ba, "Adam: A method for stochastic
       optimization", 3rd International Conference on Learning
       Representations (ICLR), 2015. arXiv:1412.6980.
    .. [4] N. Srivastava, G. Hinton, A. Krizhevsky, I. Sutskever and
       R. Salakhutdinov, "Dropout: a simple way to prevent neural networks
       from overfitting", Journal of Machine Learning Research 15,
       1929-1958, 2014.
    .. [5] I. Loshchilov and F. Hutter, "Decoupled weight decay
       regularization", 7th International Conference on Learning
       Representations (ICLR), 2019. arXiv:1711.05101.

"""

FIT_DOC = """Fit the model to data X and {targets} y.

        All or nothing: if the call raises, the estimator is left exactly as
        it was (or unfitted). A first Ctrl-C (SIGINT) is not an error: it
        ends training after the current mini-batch (L-BFGS: iteration), and
        ``fit`` returns that usable model with a
        :class:`~skmlp.exceptions.TrainingInterruptedWarning`; a second
        Ctrl-C raises ``KeyboardInterrupt`` at once.

        Parameters
        ----------
        X : {{array-like, sparse matrix}} of shape (n_samples, n_features)
            Training data. float32 data trains in float32.
        y : {y_type}
            {y_text}
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss (a weighted mean).

        Returns
        -------
        self : {name}
            The fitted estimator.
        """


def _section(title, names, *tables):
    """A numpydoc section: the entries ``names``, each from the first table that has it."""
    entries = [next(table[name] for table in tables if name in table) for name in names
               if any(name in table for table in tables)]
    return f"    {title}\n    {'-' * len(title)}\n" + "".join(entries)


def _estimator_doc(intro, estimator, attributes, rest):
    return (intro + "    Parameters\n    ----------\n" + parameter_docs(estimator)
            + _section("Attributes", _ATTRIBUTE_ORDER, attributes, _ATTRIBUTES) + rest)

CLASSIFIER_DOC = _estimator_doc(
    """Multi-layer perceptron classifier trained by hand-written backpropagation.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the parameters it shares with scikit-learn have the same names, defaults
    and meaning. The forward pass, backpropagation, losses and optimizers are
    skmlp's own NumPy code (:mod:`skmlp._core`).

    The main difference is deliberate: :meth:`partial_fit` takes exactly one
    optimizer step on the rows it is given (scikit-learn's runs a whole epoch).

    Read more in the :ref:`User Guide <user_guide>`.

""",
    "classifier", _CLASSIFIER_ATTRIBUTES,
    """    See Also
    --------
    sklearn.neural_network.MLPClassifier : The multi-layer perceptron of
        scikit-learn, with the same parameters.
    skmlp.plotting.LossCurveDisplay : Plot the loss curve of a fitted model.
    skmlp.plotting.WeightImageDisplay : Show the first layer's weights as images.
    skmlp.utils.check_gradients : Compare backpropagation with finite differences.

    Notes
    -----
    The network is trained by backpropagation [1]_: a forward pass computes
    every layer's activations, a backward pass the derivative of the cost with
    respect to every weight and bias, and the optimizer takes a step against
    that gradient. :mod:`skmlp._core` implements each step as a small NumPy
    function; the :ref:`User Guide <user_guide>` states the equations and
    points to the code that computes each one.

    Weights and biases start from Glorot and Bengio's uniform distribution
    [2]_, with the bound scaled for logistic units as in scikit-learn. 'adam'
    is the optimizer of Kingma and Ba [3]_, 'adamw' the same with the
    decoupled weight decay of Loshchilov and Hutter [5]_; 'sgd' is
    mini-batch stochastic gradient descent with classical or Nesterov
    momentum. Dropout [4]_ zeroes
    each hidden unit of a training mini-batch with probability ``dropout``.

    The cost is not convex: different ``random_state`` values can lead to
    different local minima. Like every network trained by gradient descent,
    it is sensitive to the scale of the features: scale them first, for
    example with :class:`~sklearn.preprocessing.StandardScaler`. ``float32``
    input trains in ``float32`` end to end.

""" + _REFERENCES + """    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skmlp import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16, 16), activation="logistic",
    ...                     solver="sgd", learning_rate_init=0.5, momentum=0.0,
    ...                     batch_size=10, max_iter=30, random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    >>> clf.predict_proba(X_test[:1]).shape
    (1, 10)
    """)

REGRESSOR_DOC = _estimator_doc(
    """Multi-layer perceptron regressor trained by hand-written backpropagation.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`:
    the parameters it shares with scikit-learn have the same names, defaults,
    order and meaning. It is the second estimator on the same core and
    training loop as :class:`MLPClassifier`: forward pass, backpropagation,
    losses, optimizers and L-BFGS are skmlp's own NumPy code.

    The main difference is deliberate: :meth:`partial_fit` takes exactly one
    optimizer step on the rows it is given (scikit-learn's runs a whole epoch).

    Read more in the :ref:`User Guide <regression>`.

""",
    "regressor", _REGRESSOR_ATTRIBUTES,
    """    See Also
    --------
    sklearn.neural_network.MLPRegressor : The multi-layer perceptron
        regressor of scikit-learn, with the same parameters.
    MLPClassifier : The classifier on the same core.
    sklearn.compose.TransformedTargetRegressor : Scale the targets too.

    Notes
    -----
    The network is trained by backpropagation [1]_ from Glorot and Bengio's
    initialisation [2]_, with L-BFGS, SGD, Adam [3]_ or AdamW [5]_, and
    optionally with dropout [4]_, exactly as :class:`MLPClassifier` is; only the output layer
    and the loss differ. Like every network trained by gradient descent, it
    is sensitive to the scale of the features and of the targets: standardise
    both (the targets with
    :class:`~sklearn.compose.TransformedTargetRegressor`).

""" + _REFERENCES + """    Examples
    --------
    >>> from sklearn.compose import TransformedTargetRegressor
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> mlp = MLPRegressor(hidden_layer_sizes=(20,), solver="lbfgs", alpha=10.0,
    ...                    max_iter=500, random_state=0)
    >>> reg = TransformedTargetRegressor(make_pipeline(StandardScaler(), mlp),
    ...                                  transformer=StandardScaler())
    >>> round(reg.fit(X_train, y_train).score(X_test, y_test), 2)  # held-out R^2
    0.35
    >>> reg.predict(X_test[:2]).shape
    (2,)
    """)
