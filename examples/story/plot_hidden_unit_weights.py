"""
=================================================
What do the hidden units look for? Weight images
=================================================

The classic story hopes that the first hidden layer of a digit recogniser
learns to detect simple pieces, such as edges, loops or strokes, and that the
second layer combines them into digits. We can look: hidden unit ``k`` of the
first layer computes ``sigmoid(w_k . x + b_k)``, and its weight vector ``w_k``
has one weight per pixel, so it can be drawn as an image. Red pixels push the
unit on, blue pixels push it off.

This example draws the first-layer weights of the classic 64-16-16-10 network
trained on scikit-learn's 8x8 digits and, if the MNIST files are available, of
a 784-16-16-10 network trained on 28x28 MNIST digits, with
:class:`~skmlp.plotting.WeightImageDisplay`.
"""

# %%
# 8x8 digits
# ----------
#
# The classic network: two hidden layers of 16 logistic units, mini-batch
# stochastic gradient descent with 10 images per step and a learning rate of
# 0.5, 30 epochs. We train it twice, from two different random initialisations
# (``random_state=0`` and ``random_state=1``).

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier
from skmlp.datasets import load_mnist
from skmlp.plotting import WeightImageDisplay


def classic_network(epochs, random_state):
    """The 16-16 network of logistic units, trained by plain mini-batch SGD."""
    return MLPClassifier(
        hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
        learning_rate_init=0.5, momentum=0.0, batch_size=10, max_iter=epochs,
        tol=0.0, n_iter_no_change=epochs, random_state=random_state,
    )


X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
digit_nets = []
for seed in (0, 1):
    net = classic_network(epochs=30, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs on purpose
        net.fit(X_train, y_train)
    digit_nets.append(net)
    print(f"8x8 digits, random_state={seed}: held-out accuracy "
          f"{net.score(X_test, y_test):.3f}")

# %%
# Each small image is one hidden unit of the first layer; all images share one
# colour scale, centred at zero (white). They are not neat edge or stroke
# detectors: most are blotchy patterns of positive and negative weights spread
# over the whole digit. And the two networks, equally accurate, learnt
# entirely different units: nothing forces the network to split the task into
# the parts a human would choose. What each unit "means" only makes sense
# together with the layers after it.

fig = plt.figure(figsize=(13, 6), layout="constrained")
for subfig, net, seed in zip(fig.subfigures(1, 2, wspace=0.05), digit_nets, (0, 1)):
    WeightImageDisplay.from_estimator(net, image_shape=(8, 8), figure=subfig)
    subfig.suptitle(f"First-layer weights, 8x8 digits, random_state={seed}")

# %%
# 28x28 MNIST digits
# ------------------
#
# On the larger MNIST images there is more room for structure. The network
# trains on MNIST's 60,000 training images, read by
# :func:`skmlp.datasets.load_mnist`, and is scored on the 10,000 test images.
# The directory of the files is the environment variable ``SKMLP_MNIST_DIR``,
# else ``../shared/data/mnist`` next to the repository. Without the files this
# part is skipped.


def mnist_directory():
    """$SKMLP_MNIST_DIR, else ../shared/data/mnist next to the repository."""
    if os.environ.get("SKMLP_MNIST_DIR"):
        return Path(os.environ["SKMLP_MNIST_DIR"])
    # This script's folder, examples/<section>/ (sphinx-gallery runs the
    # scripts there, without __file__); the repository is two levels up.
    here = Path(__file__).parent if "__file__" in globals() else Path.cwd()
    return here.resolve().parents[1].parent / "shared" / "data" / "mnist"


try:
    mnist = load_mnist(mnist_directory())
except FileNotFoundError as exc:
    print(f"{exc}\nSkipping the MNIST part: set SKMLP_MNIST_DIR to the directory of "
          "the MNIST files.")
    mnist = None

# %%
# The same network and training, now with 784 inputs, for 10 epochs over the
# 60,000 training images (about 94% of the test images right). A unit or two
# has picked up something like a short pen stroke, but most remain hard to
# read: mixtures of many partial shapes and speckle, far from the tidy edge
# detectors of the story. The pale frame around each image is made of weights
# that barely moved from their small random initial values: the border pixels
# are almost always 0, and the gradient of a weight is zero whenever its pixel
# is.

if mnist is not None:
    X_train_m, X_test_m, y_train_m, y_test_m = mnist
    mnist_net = classic_network(epochs=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mnist_net.fit(X_train_m, y_train_m)
    print(f"MNIST: {len(X_train_m)} training images, 10 epochs; accuracy on the "
          f"{len(X_test_m)} test images {mnist_net.score(X_test_m, y_test_m):.3f}")
    display = WeightImageDisplay.from_estimator(mnist_net, image_shape=(28, 28))
    display.figure_.suptitle("First-layer weights, 28x28 MNIST, 16 units")

plt.show()
