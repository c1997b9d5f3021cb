"""
============================================================
The classic network exactly: sigmoid outputs, quadratic cost
============================================================

The network of the classic introduction to neural networks has two hidden
layers of 16 sigmoid units and **ten independent sigmoid outputs**, one per
digit, trained by mini-batch stochastic gradient descent on the quadratic
cost ``1/2 ||a - y||^2``. With :class:`skmlp.MLPClassifier` that is
``output_activation="logistic"`` and ``loss="squared_error"``. This example
trains it next to the usual modern choice, a softmax output with the
cross-entropy cost (the defaults), and shows what ``predict_proba`` returns
for sigmoid outputs.

The digits are MNIST when its files are found: the network trains on the
60,000 training images and is scored on the 10,000 test images, read by
:func:`skmlp.datasets.load_mnist` from the directory in the environment
variable ``SKMLP_MNIST_DIR``, else ``../shared/data/mnist`` next to the
repository. Without the files the example says so and uses the 8x8 digits
that ship with scikit-learn. To stay quick it trains for 5 epochs (about
94% of the test images right for both networks); the chapter
:ref:`sphx_glr_auto_examples_story_plot_mnist_story.py` trains the classic
network for the story's 30 epochs.
"""

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier
from skmlp.datasets import load_mnist
from skmlp.plotting import LossCurveDisplay


def mnist_directory():
    """$SKMLP_MNIST_DIR, else ../shared/data/mnist next to the repository."""
    if os.environ.get("SKMLP_MNIST_DIR"):
        return Path(os.environ["SKMLP_MNIST_DIR"])
    # This script's folder, examples/<section>/ (sphinx-gallery runs the
    # scripts there, without __file__); the repository is two levels up.
    here = Path(__file__).parent if "__file__" in globals() else Path.cwd()
    return here.resolve().parents[1].parent / "shared" / "data" / "mnist"


def load_data(directory):
    """Name, epochs and (X_train, X_test, y_train, y_test): MNIST if found, else 8x8 digits."""
    try:
        return "MNIST", 5, load_mnist(directory)
    except FileNotFoundError as exc:
        print(f"{exc}\nUsing the 8x8 digits of scikit-learn instead: set SKMLP_MNIST_DIR "
              "to the directory of the MNIST files.")
    X, y = load_digits(return_X_y=True)
    return "8x8 digits", 20, train_test_split((X / 16).astype(np.float32), y, test_size=0.25,
                                              stratify=y, random_state=0)


name, EPOCHS, (X_train, X_test, y_train, y_test) = load_data(mnist_directory())
print(f"{name}: {len(X_train)} training and {len(X_test)} test images")

# %%
# Two networks
# ------------
#
# Both have the 16-16 sigmoid hidden layers and learn by SGD in mini-batches
# of 10 without momentum, for a fixed number of epochs. The classic one has
# sigmoid outputs and the quadratic cost with a learning rate of 3.0 (its
# gradients are small: the slope of a saturated sigmoid output multiplies
# them); the modern one has a softmax output and the cross-entropy cost with
# a learning rate of 0.5.

common = dict(hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
              batch_size=10, momentum=0.0, max_iter=EPOCHS, tol=0.0,
              n_iter_no_change=EPOCHS, random_state=0)
networks = {
    "sigmoid outputs, quadratic cost": MLPClassifier(
        output_activation="logistic", loss="squared_error", learning_rate_init=3.0, **common),
    "softmax output, cross-entropy": MLPClassifier(learning_rate_init=0.5, **common),
}
for label, net in networks.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # fixed epochs on purpose
        net.fit(X_train, y_train)
    print(f"{label}: output {net.out_activation_!r}, test accuracy "
          f"{net.score(X_test, y_test):.3f} after {net.n_iter_} epochs")

# %%
# What ``predict_proba`` returns
# ------------------------------
#
# Ten sigmoid outputs are ten independent numbers in (0, 1); they do not sum
# to one. ``predict`` takes the largest; ``predict_proba`` divides each row
# by its sum, so that its rows are probabilities, as scikit-learn expects of
# a classifier.

classic = networks["sigmoid outputs, quadratic cost"]
proba = classic.predict_proba(X_test)
print("row sums of predict_proba: min "
      f"{proba.sum(axis=1).min():.6f}, max {proba.sum(axis=1).max():.6f}")
print("predict == argmax of predict_proba:",
      bool((classic.classes_[proba.argmax(axis=1)] == classic.predict(X_test)).all()))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for ax, (label, net) in zip(axes, networks.items()):
    LossCurveDisplay.from_estimator(net, ax=ax, name=label)
fig.tight_layout()
plt.show()
