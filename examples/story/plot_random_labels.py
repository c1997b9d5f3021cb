"""
=============================================
Big networks can memorise random labels
=============================================

A network with many more weights than training images can fit *any* labelling
of those images, including a random one, which has nothing to learn: it just
memorises which image goes with which label (Zhang et al., "Understanding deep
learning requires rethinking generalization", 2017). On true labels the same
network generalises to new images; on shuffled labels its training accuracy
still reaches 100%, while on new images it does no better than chance.

This example trains a network of two hidden layers of 256 ReLU units
(269,322 weights and biases with MNIST's 784 pixels) on 500 of MNIST's 60,000
training images, once with their true labels and once with the labels
randomly shuffled, and records the training accuracy and the accuracy on
2,000 of the 10,000 test images after every epoch. It reads MNIST with
:func:`skmlp.datasets.load_mnist` from the directory in ``$SKMLP_MNIST_DIR``,
else ``../shared/data/mnist`` next to the repository; without the files it
says so and uses 500 of scikit-learn's 8x8 digits instead (85,002 weights and
biases), where the same happens.
"""

# %%
# The data: 500 training images, true and shuffled labels
# -------------------------------------------------------
#
# 500 training images, 50 of each digit, drawn from the training split; the
# held-out images are the first 2,000 test images, which always keep their
# true labels. The shuffled labels are a random permutation of the true ones:
# the same number of images of each class, but paired with the wrong images.

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier
from skmlp.datasets import load_mnist


def mnist_directory():
    """$SKMLP_MNIST_DIR, else ../shared/data/mnist next to the repository."""
    if os.environ.get("SKMLP_MNIST_DIR"):
        return Path(os.environ["SKMLP_MNIST_DIR"])
    # This script's folder, examples/<section>/ (sphinx-gallery runs the
    # scripts there, without __file__); the repository is two levels up.
    here = Path(__file__).parent if "__file__" in globals() else Path.cwd()
    return here.resolve().parents[1].parent / "shared" / "data" / "mnist"


try:
    X_all, X_test, y_all, y_test = load_mnist(mnist_directory(), n_test=2_000)
    X_train, _, y_train, _ = train_test_split(
        X_all, y_all, train_size=500, stratify=y_all, random_state=0
    )
    print("MNIST 28x28 digits")
except FileNotFoundError as exc:
    print(f"{exc}\nUsing scikit-learn's 8x8 digits instead of MNIST (same network, same "
          "story): set SKMLP_MNIST_DIR to the directory of the MNIST files.")
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, train_size=500, stratify=y, random_state=0
    )
rng = np.random.default_rng(0)
y_shuffled = rng.permutation(y_train)
print(f"{len(X_train)} training images, {len(X_test)} held-out test images")
print(f"training labels left unchanged by the shuffle: {np.mean(y_shuffled == y_train):.1%}")

# %%
# Training loop
# -------------
#
# Adam with a learning rate of 0.003 and an L2 penalty so small that it does
# not hold the network back (``alpha=1e-6``); no early stopping. To measure
# the accuracy after every epoch we write the epoch loop ourselves: skmlp's
# :meth:`~skmlp.MLPClassifier.partial_fit` takes exactly one optimizer step on
# the rows it is given, so one epoch is one ``partial_fit`` call per
# mini-batch of 32 images, in a new random order each epoch.

EPOCHS = 60
BATCH_SIZE = 32
CLASSES = np.arange(10)


def train(labels, seed=0):
    """Train a fresh network on (X_train, labels); return its per-epoch history."""
    clf = MLPClassifier(
        hidden_layer_sizes=(256, 256), activation="relu", solver="adam",
        learning_rate_init=0.003, alpha=1e-6, random_state=seed,
    )
    order_rng = np.random.default_rng(seed)
    history = {"train_accuracy": [], "test_accuracy": [], "train_loss": []}
    for _ in range(EPOCHS):
        order = order_rng.permutation(len(X_train))
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            clf.partial_fit(X_train[batch], labels[batch], classes=CLASSES)
        history["train_accuracy"].append(clf.score(X_train, labels))
        history["test_accuracy"].append(clf.score(X_test, y_test))
        history["train_loss"].append(
            log_loss(labels, clf.predict_proba(X_train), labels=CLASSES))
    return clf, history


results = {}
for name, labels in (("true labels", y_train), ("shuffled labels", y_shuffled)):
    clf, history = train(labels)
    results[name] = history
    reached = np.flatnonzero(np.asarray(history["train_accuracy"]) == 1.0)
    first_perfect = f"epoch {reached[0] + 1}" if reached.size else "never"
    print(f"{name}: after {EPOCHS} epochs ({clf.n_iter_} optimizer steps), training "
          f"accuracy {history['train_accuracy'][-1]:.3f},\n    held-out accuracy "
          f"{history['test_accuracy'][-1]:.3f}; 100% training accuracy first at {first_perfect}")

n_params = sum(W.size for W in clf.coefs_) + sum(b.size for b in clf.intercepts_)
print(f"{n_params} weights and biases for {len(X_train)} training images")

# %%
# Memorisation
# ------------
#
# With true labels the network fits the training set within about six
# epochs and gets 86% of the 2,000 held-out test digits right (over 95% on the
# 8x8 digits) from only 500 training images. With shuffled labels it needs
# longer, since there is no pattern to exploit, one image at a time (about 22
# epochs here), but it gets there: 100% training accuracy, and about 11% on
# held-out digits, the level of guessing. (These figures are from one run on
# MNIST's training split, seed 0.) Training accuracy alone cannot tell the two
# apart; only held-out data can. And the ability to memorise does not stop the
# same network from generalising when the labels make sense.

epochs = np.arange(1, EPOCHS + 1)
fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
for (name, history), color in zip(results.items(), ("tab:blue", "tab:red")):
    ax_acc.plot(epochs, history["train_accuracy"], color=color, label=f"{name}: training")
    ax_acc.plot(epochs, history["test_accuracy"], color=color, linestyle="--",
                label=f"{name}: held-out")
    ax_loss.plot(epochs, history["train_loss"], color=color, label=name)
ax_acc.axhline(0.1, color="gray", linewidth=1, linestyle=":")
ax_acc.text(EPOCHS, 0.12, "chance", color="gray", ha="right")
ax_acc.set_xlabel("Epoch")
ax_acc.set_ylabel("Accuracy")
ax_acc.set_ylim(0, 1.05)
ax_acc.set_title("Accuracy after each epoch")
ax_acc.legend(loc="center right")
ax_loss.set_yscale("log")
ax_loss.set_xlabel("Epoch")
ax_loss.set_ylabel("Training log-loss")
ax_loss.set_title("Training loss after each epoch")
ax_loss.legend()
fig.tight_layout()

plt.show()
