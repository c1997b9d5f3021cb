"""skmlp: a scikit-learn-compatible multi-layer perceptron classifier, trained
by hand-written backpropagation in NumPy."""

from ._classifier import MLPClassifier
from ._version import __version__

__all__ = ["MLPClassifier", "__version__"]
