"""scikit-learn's own estimator checks.

The only expected failures (see ``_expected_failed_checks``): the dropout
configuration's two sample-weight-equivalence checks, and the Poisson
regressor's multi-output check, which passes negative targets.
"""

import warnings

import numpy as np

from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmlp import MLPClassifier, MLPRegressor

ESTIMATORS = [
    MLPClassifier(),
    MLPClassifier(activation="logistic", solver="sgd"),
    MLPClassifier(activation="tanh", solver="adam"),
    MLPClassifier(hidden_layer_sizes=(20, 20), dropout=0.2),
    MLPClassifier(solver="lbfgs"),
    MLPClassifier(loss="squared_error", activation="logistic", learning_rate_init=0.01),
    MLPClassifier(output_activation="logistic", loss="squared_error", activation="logistic"),
    MLPRegressor(),
    MLPRegressor(solver="lbfgs"),
    MLPRegressor(solver="sgd", activation="tanh", learning_rate_init=0.01),
    MLPRegressor(loss="poisson"),
]


def _expected_failed_checks(estimator):
    """Only the dropout configuration has expected failures, for one reason."""
    if getattr(estimator, "loss", None) == "poisson":
        # scikit-learn's check draws targets of both signs without reading the
        # positive_only tag (its other checks do); a Poisson regressor refuses
        # negative targets. Multi-output Poisson is tested in test_regressor.py.
        return {"check_regressor_multioutput": "the check ignores the positive_only tag "
                                               "and passes negative targets"}
    if np.all(np.asarray(estimator.dropout) == 0):
        return {}
    reason = ("dropout draws an independent mask for every row, so a row of weight 2 and two "
              "copies of it see different masks: equivalent in expectation, not in one fit")
    return {"check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
