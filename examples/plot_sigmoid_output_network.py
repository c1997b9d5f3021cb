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

The digits are MNIST when its files are found: the 10,000 images of the
gzipped IDX test set, the first 8,000 to train and the last 2,000 held out.
The directory holding ``t10k-images-idx3-ubyte.gz`` and
``t10k-labels-idx1-ubyte.gz`` is the first command-line argument of this
script, else the environment variable ``SKMLP_MNIST_DIR``, else
``../shared/data/mnist`` next to the repository. Without the files the
example says so and uses the 8x8 digits that ship with scikit-learn.
With 8,000 training images instead of the story's 60,000, expect a held-out
accuracy of about 93% (92.7% for both networks here, after 20 epochs) rather
than 96%.
"""

import gzip
import os
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier
from skmlp.plotting import LossCurveDisplay

MNIST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def mnist_directory():
    """First command-line argument, else $SKMLP_MNIST_DIR, else the default."""
    try:
        script_dir = Path(__file__).resolve().parent
    except NameError:  # sphinx-gallery and notebooks: no __file__
        script_dir = None
    if script_dir is not None and len(sys.argv) > 1:
        return Path(sys.argv[1])
    if os.environ.get("SKMLP_MNIST_DIR"):
        return Path(os.environ["SKMLP_MNIST_DIR"])
    roots = [script_dir.parent] if script_dir else [Path.cwd().parent, Path.cwd()]
    defaults = [root.parent / "shared" / "data" / "mnist" for root in roots]
    return next((path for path in defaults if path.is_dir()), defaults[0])


def read_idx(path):
    """An array of unsigned bytes from a gzipped IDX file (big-endian header)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int(n) for n in np.frombuffer(data, ">u4", count=ndim, offset=4))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_data(directory, n_train=8_000):
    """X_train, X_test, y_train, y_test: MNIST if found, else the 8x8 digits."""
    paths = [Path(directory) / name for name in MNIST_FILES]
    missing = [path.name for path in paths if not path.is_file()]
    if not missing:
        images, labels = (read_idx(path) for path in paths)
        X = images.reshape(len(images), -1).astype(np.float32) / 255
        y = labels.astype(np.int64)
        return "MNIST", (X[:n_train], X[n_train:], y[:n_train], y[n_train:])
    print(f"MNIST files not found: {', '.join(missing)} missing in {directory}. "
          "Using the 8x8 digits of scikit-learn instead; pass the MNIST directory as "
          "the first argument or set SKMLP_MNIST_DIR.")
    X, y = load_digits(return_X_y=True)
    return "8x8 digits", train_test_split((X / 16).astype(np.float32), y, test_size=0.25,
                                          stratify=y, random_state=0)


name, (X_train, X_test, y_train, y_test) = load_data(mnist_directory())
print(f"{name}: {len(X_train)} training and {len(X_test)} held-out images")

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

EPOCHS = 20
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
    print(f"{label}: output {net.out_activation_!r}, held-out accuracy "
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
