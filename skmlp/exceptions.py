"""Warnings raised by skmlp."""

from sklearn.exceptions import ConvergenceWarning

__all__ = ["DivergenceWarning", "InconsistentVersionWarning", "TrainingInterruptedWarning"]


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss or the weights became non-finite.

    The model keeps its last finite weights; a smaller ``learning_rate_init``
    usually helps.
    """


class TrainingInterruptedWarning(UserWarning):
    """Training was interrupted (Ctrl-C) and stopped after a whole mini-batch.

    The model is usable and keeps the weights it had when training stopped.
    """


class InconsistentVersionWarning(UserWarning):
    """A model saved by one version of skmlp was loaded by another.

    Parameters
    ----------
    estimator_name : str
        Class of the loaded estimator.
    original_version : str
        skmlp version that saved it.
    current_version : str
        skmlp version that loaded it.
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
