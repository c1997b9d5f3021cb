"""The numpydoc docstrings of :class:`~skmlp.MLPClassifier` and :class:`~skmlp.MLPRegressor`.

Kept apart from the estimators so that their modules stay short. Each
parameter and attribute is described once; the two docstrings are
assembled from those descriptions in the order of each signature, with the
few that differ (``loss``, ``early_stopping``, the validation attributes,
the outputs) written per estimator. The lists of activations, losses and
learning-rate schedules are generated from the core's tables, so the
documentation cannot fall out of step with them.
"""

from ._core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from ._core.losses import LOSSES
from ._core.optimizers import LEARNING_RATE_SCHEDULES
from ._core.outputs import paired_losses

#: The output layers of each estimator, and the losses they pair with (the
#: output table decides; in the order of the loss table).
CLASSIFIER_OUTPUTS = ("softmax", "logistic")
REGRESSOR_OUTPUTS = ("identity", "exp")
CLASSIFIER_LOSSES = paired_losses(*CLASSIFIER_OUTPUTS)
REGRESSOR_LOSSES = tuple(loss for name in REGRESSOR_OUTPUTS for loss in paired_losses(name))


def _bullets(table, names, describe, indent=8):
    pad = " " * indent
    return "\n".join(f"{pad}- '{name}': ``{describe(table[name])}``" for name in names)


_ACTIVATION_LIST = _bullets(ACTIVATIONS, HIDDEN_ACTIVATIONS, lambda a: a.formula)
_SCHEDULE_LIST = _bullets(LEARNING_RATE_SCHEDULES, list(LEARNING_RATE_SCHEDULES), str)


def _loss_list(names):
    return _bullets(LOSSES, names, lambda loss: loss.formula)


def _choices(names):
    return "{" + ", ".join(repr(n) for n in names) + "}"

#: Parameter descriptions shared by the MLP family, by name.
_PARAMETERS = {
    'hidden_layer_sizes': """    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units in the ith hidden layer.

""",
    'activation': f"""    activation : {{{", ".join(repr(n) for n in HIDDEN_ACTIVATIONS)}}}, default='relu'
        Activation function of the hidden layers:

{_ACTIVATION_LIST}

""",
    'solver': """    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The optimizer: full-batch L-BFGS (``scipy.optimize.minimize`` on
        skmlp's own loss and gradient), mini-batch stochastic gradient descent
        with (Nesterov) momentum, or Adam. ``partial_fit`` is not available
        with 'lbfgs'.

""",
    'alpha': """    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / (2 n) * sum ||W||^2``, ``n`` the
        number of samples (or sum of sample weights) in the mini-batch.

""",
    'batch_size': """    batch_size : int or 'auto', default='auto'
        Mini-batch size; 'auto' means ``min(200, n_samples)``.

""",
    'learning_rate': f"""    learning_rate : {{{", ".join(repr(n) for n in LEARNING_RATE_SCHEDULES)}}}, default='constant'
        Learning-rate schedule, used by ``solver='sgd'`` only:

{_SCHEDULE_LIST}

""",
    'learning_rate_init': """    learning_rate_init : float, default=0.001
        Initial step size. A new value set with ``set_params`` between
        :meth:`partial_fit` calls takes effect on the next call.

""",
    'power_t': """    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

""",
    'max_iter': """    max_iter : int, default=200
        Maximum number of epochs (passes over the data) of :meth:`fit`; for
        'lbfgs', the maximum number of L-BFGS iterations.

""",
    'shuffle': """    shuffle : bool, default=True
        Whether to shuffle the samples at every epoch.

""",
    'random_state': """    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling, the early-stopping
        validation split and the dropout masks. An int gives identical
        results across calls and processes.

""",
    'tol': """    tol : float, default=1e-4
        Tolerance of the stopping rule: training stops when the loss has not
        improved by at least ``tol`` for more than ``n_iter_no_change``
        consecutive epochs (with 'adaptive', the learning rate is divided by
        5 instead, until it falls below 1e-6). For 'lbfgs' it is the
        tolerance on the projected gradient (``gtol`` of
        :func:`scipy.optimize.minimize`).

""",
    'verbose': """    verbose : bool, default=False
        Print one line per epoch: epoch, loss, validation score (with early
        stopping) and elapsed time. With scikit-learn >= 1.9, callbacks such
        as ``sklearn.callback.ProgressBar`` and ``ScoringMonitor`` can be set
        with ``set_callbacks``; each epoch (or L-BFGS iteration) is a task.

""",
    'warm_start': """    warm_start : bool, default=False
        Reuse the weights of the previous fit as the starting point. A
        warm-started :meth:`fit` trains for up to ``max_iter`` more epochs with
        a fresh stopping rule (scikit-learn's stops after one epoch because
        the old best loss carries over).

""",
    'momentum': """    momentum : float, default=0.9
        Momentum of the 'sgd' solver, in [0, 1].

""",
    'nesterovs_momentum': """    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

""",
    'validation_fraction': """    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping, in (0, 1).

""",
    'beta_1': """    beta_1 : float, default=0.9
        Decay of Adam's first-moment estimate, in [0, 1).

""",
    'beta_2': """    beta_2 : float, default=0.999
        Decay of Adam's second-moment estimate, in [0, 1).

""",
    'epsilon': """    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

""",
    'n_iter_no_change': """    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` that the stopping rule
        tolerates.

""",
    'max_fun': """    max_fun : int, default=15000
        Maximum number of loss-and-gradient evaluations of 'lbfgs'.

""",
    'dropout': """    dropout : float or array-like of shape (n_layers - 2,), default=0.0
        Probability of dropping each hidden unit during training (inverted
        dropout: kept units are scaled by ``1 / (1 - p)``), for all hidden
        layers or one value per hidden layer. Masks are drawn from
        ``random_state``; predictions use the whole network and are
        deterministic. 'lbfgs' trains without dropout (its line search needs a
        deterministic loss).

""",
}

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
        losses). None with ``early_stopping=True`` and 'sgd' or 'adam'.

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

_CLASSIFIER_PARAMETERS = {
    "loss": f"""    loss : {_choices(CLASSIFIER_LOSSES)}, default='log_loss'
        The cost minimised, averaged over the samples:

{_loss_list(CLASSIFIER_LOSSES)}

        With 'squared_error' and ``output_activation='logistic'`` this is the
        classic network of sigmoid outputs and the quadratic cost.

""",
    "class_weight": """    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the loss, ``{class_label: weight}``;
        'balanced' uses ``n_samples / (n_classes * np.bincount(y))``. They
        multiply ``sample_weight``. Not for multilabel targets; 'balanced' is
        not available in :meth:`partial_fit`.

""",
    "early_stopping": """    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data and
        stop when the validation accuracy has not improved by at least ``tol``
        for more than ``n_iter_no_change`` epochs; the weights of the best validation
        epoch are restored at the end. 'sgd' and 'adam' only.

""",
}

_CLASSIFIER_PARAMETERS["output_activation"] = """    output_activation : {'auto', 'logistic'}, default='auto'
        The output layer. 'auto' is scikit-learn's choice: softmax for
        multiclass targets, logistic for binary and multilabel ones.
        'logistic' gives multiclass targets one sigmoid unit per class, as
        in the classic network of the story (with ``loss='squared_error'``
        the quadratic cost of sigmoid outputs): :meth:`predict` is the
        class of the largest output, :meth:`predict_proba` the outputs
        normalised to sum to one, and :meth:`score` plain accuracy.

"""

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

_REGRESSOR_PARAMETERS = {
    "loss": f"""    loss : {_choices(REGRESSOR_LOSSES)}, default='squared_error'
        The cost minimised, averaged over the samples; its output layer
        follows from it (identity outputs for 'squared_error', exponential
        outputs for 'poisson', whose targets must be non-negative):

{_loss_list(REGRESSOR_LOSSES)}

        'squared_error' is averaged over the targets too, as scikit-learn's
        ``loss_`` is; see the :ref:`regression guide <regression>`.

""",
    "early_stopping": """    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and stop when
        the validation R^2 has not improved by at least ``tol`` for more than
        ``n_iter_no_change`` epochs; the weights of the best validation epoch
        are restored at the end. 'sgd' and 'adam' only.

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

_COMMON_ORDER = ("hidden_layer_sizes", "activation", "solver", "alpha", "batch_size",
                 "learning_rate", "learning_rate_init", "power_t", "max_iter", "shuffle",
                 "random_state", "tol", "verbose", "warm_start", "momentum",
                 "nesterovs_momentum", "early_stopping", "validation_fraction", "beta_1",
                 "beta_2", "epsilon", "n_iter_no_change", "max_fun")
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


def _estimator_doc(intro, parameter_order, parameters, attributes, rest):
    return (intro + _section("Parameters", parameter_order, parameters, _PARAMETERS)
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
    _COMMON_ORDER + ("loss", "class_weight", "dropout", "output_activation"),
    _CLASSIFIER_PARAMETERS, _CLASSIFIER_ATTRIBUTES,
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
    is the optimizer of Kingma and Ba [3]_; 'sgd' is mini-batch stochastic
    gradient descent with classical or Nesterov momentum. Dropout [4]_ zeroes
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
    ("loss",) + _COMMON_ORDER + ("dropout",),
    _REGRESSOR_PARAMETERS, _REGRESSOR_ATTRIBUTES,
    """    See Also
    --------
    sklearn.neural_network.MLPRegressor : The multi-layer perceptron
        regressor of scikit-learn, with the same parameters.
    MLPClassifier : The classifier on the same core.
    sklearn.compose.TransformedTargetRegressor : Scale the targets too.

    Notes
    -----
    The network is trained by backpropagation [1]_ from Glorot and Bengio's
    initialisation [2]_, with L-BFGS, SGD or Adam [3]_, and optionally with
    dropout [4]_, exactly as :class:`MLPClassifier` is; only the output layer
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
