"""scikit-learn's own estimator checks, with no expected failures."""

import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmlp import MLPClassifier

ESTIMATORS = [
    MLPClassifier(),
    MLPClassifier(activation="logistic", solver="sgd"),
    MLPClassifier(activation="tanh", solver="adam"),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
