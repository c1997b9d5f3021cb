"""skmlp: scikit-learn-compatible multi-layer perceptrons (a classifier and a
regressor), trained by hand-written backpropagation in NumPy."""

from ._classifier import MLPClassifier
from ._regressor import MLPRegressor
from ._version import __version__

__all__ = ["MLPClassifier", "MLPRegressor", "__version__"]
