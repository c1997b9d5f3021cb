"""skmlp: a scikit-learn-compatible multi-layer perceptron classifier, trained
by hand-written backpropagation in NumPy."""

from ._classifier import MLPClassifier

__version__ = "0.1.0"

__all__ = ["MLPClassifier", "__version__"]
