"""Warnings raised by skmlp."""

from sklearn.exceptions import ConvergenceWarning

__all__ = ["DivergenceWarning", "InconsistentVersionWarning", "TrainingInterruptedWarning"]


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss or the weights became non-finite.

    Emitted by the stochastic solvers ('sgd' and 'adam') when a mini-batch loss
    is not finite, when a weight or bias is not finite or so large that the
    next forward pass would overflow, or when the final network gives
    non-finite outputs, after at least one epoch of the call ended with a
    finite loss. ``fit`` then keeps the weights from the start of the epoch
    with the lowest training loss (with ``early_stopping=True``, those of the
    best validation epoch), provided they give finite outputs on the training
    data. Otherwise (and when ``partial_fit``'s step diverges) the call
    raises scikit-learn's ``ValueError`` instead and leaves the model as it
    was. A smaller ``learning_rate_init`` usually helps.

    A subclass of :class:`sklearn.exceptions.ConvergenceWarning`, so a filter
    that silences convergence warnings silences this one too.
    """


class TrainingInterruptedWarning(UserWarning):
    """``fit`` was interrupted with Ctrl-C and stopped early.

    The first Ctrl-C lets the mini-batch in progress finish (with 'lbfgs',
    the iteration in progress), and ``fit`` returns with the weights after it
    (with ``early_stopping=True``, those of the best validation epoch so
    far). The model is usable and can be trained further
    (``warm_start=True`` or ``partial_fit``). A second Ctrl-C goes to the
    handler that was in place before (Python's raises ``KeyboardInterrupt``
    at once); ``fit`` then changes nothing, leaving the model as it was
    before the call.
    """


class InconsistentVersionWarning(UserWarning):
    """A model saved by one version of skmlp was loaded by another.

    Parameters
    ----------
    estimator_name : str
        Class of the loaded estimator.
    original_version : str
        The version of skmlp that saved it.
    current_version : str
        The version of skmlp that loaded it.
    """

    def __init__(self, *, estimator_name, original_version, current_version):
        self.estimator_name = estimator_name
        self.original_version = original_version
        self.current_version = current_version
        super().__init__(
            f"Trying to load {estimator_name} from skmlp version {original_version} when "
            f"using version {current_version}. This might lead to errors or invalid "
            "results; refit the model with this version if you can."
        )
