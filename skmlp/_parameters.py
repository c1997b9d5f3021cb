"""The table of the estimators' parameters: each one, once.

Every parameter of :class:`~skmlp.MLPClassifier` and
:class:`~skmlp.MLPRegressor` is a row of :data:`PARAMETERS`: its name,
default, constraint (scikit-learn's parameter validation), the numpydoc
entry the docstrings show, the solvers that read it, and the optimizer
argument it becomes. The estimators' ``_parameter_constraints``
(:func:`parameter_constraints`), their docstrings (:func:`parameter_docs`)
and the optimizer each solver builds or reconfigures
(:func:`optimizer_arguments`) derive from it. The estimators' ``__init__``
stay explicit, as scikit-learn's convention asks; a test checks that they
agree with the table (names, order, defaults).

A row belongs to both estimators unless ``estimators`` says otherwise; a
parameter that differs between them (``loss``, ``early_stopping``) has a row
per estimator. The table's order, restricted to one estimator, is that
estimator's signature.
"""

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Optional

import numpy as np
from sklearn.utils._param_validation import Interval, Options, StrOptions

from ._core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from ._core.losses import LOSSES
from ._core.optimizers import LEARNING_RATE_SCHEDULES, SOLVERS
from ._core.outputs import paired_losses

#: The estimators, as ``estimators`` names them.
ESTIMATORS = ("classifier", "regressor")
#: The output layers of each estimator (the output table pairs them with losses).
CLASSIFIER_OUTPUTS = ("softmax", "logistic")
REGRESSOR_OUTPUTS = ("identity", "exp")
CLASSIFIER_LOSSES = paired_losses(*CLASSIFIER_OUTPUTS)
REGRESSOR_LOSSES = tuple(loss for name in REGRESSOR_OUTPUTS for loss in paired_losses(name))

_STOCHASTIC = tuple(name for name, solver in SOLVERS.items() if solver.stochastic)
_ADAPTIVE = ("adam", "adamw")  # the solvers that read beta_1, beta_2, epsilon


@dataclass(frozen=True)
class Parameter:
    """One row of the parameter table.

    Attributes
    ----------
    name : str
    default : object
        The default of ``__init__``.
    constraint : list
        scikit-learn's ``_parameter_constraints`` entry.
    kind : str
        The type of the numpydoc entry (``float``, ``{'a', 'b'}``, ...).
    doc : str
        The description of the numpydoc entry, indented by 8 spaces.
    solvers : tuple of str or None
        The solvers that read it; None for every solver.
    argument : str or None
        The argument of the optimizer (of the solvers that read it) that it
        becomes, if any.
    estimators : tuple of str
        The estimators that have it, of :data:`ESTIMATORS`.
    shown : str or None
        The default as the docstring shows it; ``repr(default)`` if None.
    """

    name: str
    default: Any
    constraint: list
    kind: str
    doc: str
    solvers: Optional[tuple] = None
    argument: Optional[str] = None
    estimators: tuple = ESTIMATORS
    shown: Optional[str] = None

    def entry(self):
        """The numpydoc entry: ``name : kind, default=...`` and the description."""
        shown = repr(self.default) if self.shown is None else self.shown
        return f"    {self.name} : {self.kind}, default={shown}\n{self.doc}\n\n"


def _bullets(items):
    return "\n".join(f"        - '{name}': ``{text}``" for name, text in items)


def _choices(names):
    return "{" + ", ".join(repr(n) for n in names) + "}"


def _loss_list(names):
    return _bullets((name, LOSSES[name].formula) for name in names)


_POSITIVE_INT = Interval(Integral, 1, None, closed="left")
_NON_NEGATIVE = Interval(Real, 0, None, closed="left")
_FRACTION = Interval(Real, 0, 1, closed="left")

_REGRESSOR_LOSS = Parameter(
    "loss", "squared_error", [StrOptions(set(REGRESSOR_LOSSES))], _choices(REGRESSOR_LOSSES),
    f"""        The cost minimised, averaged over the samples; its output layer
        follows from it (identity outputs for 'squared_error', exponential
        outputs for 'poisson', whose targets must be non-negative):

{_loss_list(REGRESSOR_LOSSES)}

        'squared_error' is averaged over the targets too, as scikit-learn's
        ``loss_`` is; see the :ref:`regression guide <regression>`.""",
    estimators=("regressor",))

_COMMON = (
    Parameter("hidden_layer_sizes", (100,), ["array-like", _POSITIVE_INT],
              "array-like of shape (n_layers - 2,)", """\
        The ith element is the number of units in the ith hidden layer."""),
    Parameter("activation", "relu", [StrOptions(set(HIDDEN_ACTIVATIONS))],
              _choices(HIDDEN_ACTIVATIONS), f"""\
        Activation function of the hidden layers:

{_bullets((name, ACTIVATIONS[name].formula) for name in HIDDEN_ACTIVATIONS)}"""),
    Parameter("solver", "adam", [StrOptions(set(SOLVERS))], _choices(SOLVERS), """\
        The optimizer: full-batch L-BFGS (``scipy.optimize.minimize`` on
        skmlp's own loss and gradient), mini-batch stochastic gradient descent
        with (Nesterov) momentum, Adam, or AdamW (Adam with decoupled weight
        decay, see ``weight_decay``). ``partial_fit`` is not available with
        'lbfgs'."""),
    Parameter("alpha", 0.0001, [_NON_NEGATIVE], "float", """\
        Strength of the L2 penalty ``alpha / (2 n) * sum ||W||^2``, ``n`` the
        number of samples (or sum of sample weights) in the mini-batch."""),
    Parameter("batch_size", "auto", [StrOptions({"auto"}), _POSITIVE_INT], "int or 'auto'", """\
        Mini-batch size; 'auto' means ``min(200, n_samples)``.""", solvers=_STOCHASTIC),
    Parameter("learning_rate", "constant", [StrOptions(set(LEARNING_RATE_SCHEDULES))],
              _choices(LEARNING_RATE_SCHEDULES), f"""\
        Learning-rate schedule, used by ``solver='sgd'`` only:

{_bullets(LEARNING_RATE_SCHEDULES.items())}""", solvers=("sgd",), argument="schedule"),
    Parameter("learning_rate_init", 0.001, [Interval(Real, 0, None, closed="neither")],
              "float", """\
        Initial step size. A new value set with ``set_params`` between
        :meth:`partial_fit` calls takes effect on the next call.""",
              solvers=_STOCHASTIC, argument="learning_rate_init"),
    Parameter("power_t", 0.5, [_NON_NEGATIVE], "float", """\
        Exponent of the 'invscaling' schedule.""", solvers=("sgd",), argument="power_t"),
    Parameter("max_iter", 200, [_POSITIVE_INT], "int", """\
        Maximum number of epochs (passes over the data) of :meth:`fit`; for
        'lbfgs', the maximum number of L-BFGS iterations."""),
    Parameter("shuffle", True, ["boolean"], "bool", """\
        Whether to shuffle the samples at every epoch.""", solvers=_STOCHASTIC),
    Parameter("random_state", None, ["random_state"], "int, RandomState instance or None", """\
        Seeds the weight initialisation, the shuffling, the early-stopping
        validation split and the dropout masks. An int gives identical
        results across calls and processes."""),
    Parameter("tol", 1e-4, [_NON_NEGATIVE], "float", """\
        Tolerance of the stopping rule: training stops when the loss has not
        improved by at least ``tol`` for more than ``n_iter_no_change``
        consecutive epochs (with 'adaptive', the learning rate is divided by
        5 instead, until it falls below 1e-6). For 'lbfgs' it is the
        tolerance on the projected gradient (``gtol`` of
        :func:`scipy.optimize.minimize`).""", shown="1e-4"),
    Parameter("verbose", False, ["verbose"], "bool", """\
        Print one line per epoch: epoch, loss, validation score (with early
        stopping) and elapsed time. With scikit-learn >= 1.9, callbacks such
        as ``sklearn.callback.ProgressBar`` and ``ScoringMonitor`` can be set
        with ``set_callbacks``; each epoch (or L-BFGS iteration) is a task."""),
    Parameter("warm_start", False, ["boolean"], "bool", """\
        Reuse the weights of the previous fit as the starting point. A
        warm-started :meth:`fit` trains for up to ``max_iter`` more epochs with
        a fresh stopping rule (scikit-learn's stops after one epoch because
        the old best loss carries over)."""),
    Parameter("momentum", 0.9, [Interval(Real, 0, 1, closed="both")], "float", """\
        Momentum of the 'sgd' solver, in [0, 1].""", solvers=("sgd",), argument="momentum"),
    Parameter("nesterovs_momentum", True, ["boolean"], "bool", """\
        Whether 'sgd' uses Nesterov's momentum.""", solvers=("sgd",), argument="nesterov"),
    Parameter("early_stopping", False, ["boolean"], "bool", """\
        Hold out a stratified ``validation_fraction`` of the training data and
        stop when the validation accuracy has not improved by at least ``tol``
        for more than ``n_iter_no_change`` epochs; the weights of the best validation
        epoch are restored at the end. 'sgd', 'adam' and 'adamw' only.""",
              solvers=_STOCHASTIC, estimators=("classifier",)),
    Parameter("early_stopping", False, ["boolean"], "bool", """\
        Hold out ``validation_fraction`` of the training data and stop when
        the validation R^2 has not improved by at least ``tol`` for more than
        ``n_iter_no_change`` epochs; the weights of the best validation epoch
        are restored at the end. 'sgd', 'adam' and 'adamw' only.""",
              solvers=_STOCHASTIC, estimators=("regressor",)),
    Parameter("validation_fraction", 0.1, [_FRACTION], "float", """\
        Share of the training data held out for early stopping, in (0, 1).""",
              solvers=_STOCHASTIC),
    Parameter("beta_1", 0.9, [_FRACTION], "float", """\
        Decay of Adam's first-moment estimate, in [0, 1).""",
              solvers=_ADAPTIVE, argument="beta_1"),
    Parameter("beta_2", 0.999, [_FRACTION], "float", """\
        Decay of Adam's second-moment estimate, in [0, 1).""",
              solvers=_ADAPTIVE, argument="beta_2"),
    Parameter("epsilon", 1e-8, [Interval(Real, 0, None, closed="neither")], "float", """\
        Adam's numerical-stability constant.""", solvers=_ADAPTIVE, argument="epsilon",
              shown="1e-8"),
    Parameter("n_iter_no_change", 10, [_POSITIVE_INT, Options(Real, {np.inf})], "int", """\
        Epochs without an improvement of ``tol`` that the stopping rule
        tolerates.""", solvers=_STOCHASTIC),
    Parameter("max_fun", 15000, [_POSITIVE_INT], "int", """\
        Maximum number of loss-and-gradient evaluations of 'lbfgs'.""", solvers=("lbfgs",)),
)

_SKMLP_ONLY = (
    Parameter("loss", "log_loss", [StrOptions(set(CLASSIFIER_LOSSES))],
              _choices(CLASSIFIER_LOSSES), f"""\
        The cost minimised, averaged over the samples:

{_loss_list(CLASSIFIER_LOSSES)}

        With 'squared_error' and ``output_activation='logistic'`` this is the
        classic network of sigmoid outputs and the quadratic cost.""",
              estimators=("classifier",)),
    Parameter("class_weight", None, [dict, StrOptions({"balanced"}), None],
              "dict, 'balanced' or None", """\
        Weights of the classes in the loss, ``{class_label: weight}``;
        'balanced' uses ``n_samples / (n_classes * np.bincount(y))``. They
        multiply ``sample_weight``. Not for multilabel targets; 'balanced' is
        not available in :meth:`partial_fit`.""", estimators=("classifier",)),
    Parameter("dropout", 0.0, [_FRACTION, "array-like"],
              "float or array-like of shape (n_layers - 2,)", """\
        Probability of dropping each hidden unit during training (inverted
        dropout: kept units are scaled by ``1 / (1 - p)``), for all hidden
        layers or one value per hidden layer. Masks are drawn from
        ``random_state``; predictions use the whole network and are
        deterministic. 'lbfgs' trains without dropout (its line search needs a
        deterministic loss)."""),
    Parameter("output_activation", "auto", [StrOptions({"auto", "logistic"})],
              "{'auto', 'logistic'}", """\
        The output layer. 'auto' is scikit-learn's choice: softmax for
        multiclass targets, logistic for binary and multilabel ones.
        'logistic' gives multiclass targets one sigmoid unit per class, as
        in the classic network of the story (with ``loss='squared_error'``
        the quadratic cost of sigmoid outputs): :meth:`predict` is the
        class of the largest output, :meth:`predict_proba` the outputs
        normalised to sum to one, and :meth:`score` plain accuracy.""",
              estimators=("classifier",)),
    Parameter("weight_decay", 0.01, [_NON_NEGATIVE], "float", """\
        Decoupled weight decay of 'adamw' (Loshchilov and Hutter): each step
        also shrinks every weight (not the biases) by ``learning_rate_init *
        weight_decay`` times its value, apart from the gradient and Adam's
        moments. Unlike ``alpha``, it is not part of the loss. Read by
        'adamw' only.""", solvers=("adamw",), argument="weight_decay"),
)

#: The table, in signature order (restricted to one estimator).
PARAMETERS = (_REGRESSOR_LOSS,) + _COMMON + _SKMLP_ONLY


def parameters_of(estimator):
    """The rows of ``estimator`` ('classifier' or 'regressor'), in signature order.

    Returns
    -------
    rows : tuple of Parameter
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}.")
    return tuple(row for row in PARAMETERS if estimator in row.estimators)


def parameter_constraints(estimator=None):
    """``_parameter_constraints`` of ``estimator``; of the parameters every
    estimator has when ``estimator`` is None.

    Returns
    -------
    constraints : dict
        Parameter name -> list of constraints.
    """
    if estimator is None:
        return {row.name: row.constraint for row in PARAMETERS
                if set(row.estimators) == set(ESTIMATORS)}
    return {row.name: row.constraint for row in parameters_of(estimator)}


def parameter_docs(estimator):
    """The numpydoc ``Parameters`` entries of ``estimator``, in signature order.

    Returns
    -------
    text : str
    """
    return "".join(row.entry() for row in parameters_of(estimator))


def optimizer_arguments(estimator):
    """The arguments of the optimizer of ``estimator``'s solver, from its parameters.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        Its ``solver`` and ``get_params(deep=False)`` are read.

    Returns
    -------
    arguments : dict
        Optimizer argument -> value, for every row that the solver reads
        and that becomes an optimizer argument.
    """
    solver, params = estimator.solver, estimator.get_params(deep=False)
    return {row.argument: params[row.name] for row in PARAMETERS
            if row.argument is not None and solver in (row.solvers or ()) and row.name in params}
