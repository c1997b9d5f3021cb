"""
=============================================
Confidently wrong: a digit network sees noise
=============================================

A classifier trained on digits has only ten answers, and the softmax output
layer turns whatever it computes into ten probabilities that sum to one. Show
it an image of pure random noise, which is no digit at all, and it still has
to pick a digit, often with high confidence: nothing in training told it what
"none of these" looks like, and the probabilities it gives are only meaningful
for inputs that resemble its training data.

This example trains the classic network on MNIST's 60,000 training images
and compares :meth:`~skmlp.MLPClassifier.predict_proba` on the 10,000 test
images with that on images of uniform random noise. It reads MNIST with
:func:`skmlp.datasets.load_mnist` from the directory in ``$SKMLP_MNIST_DIR``,
else ``../shared/data/mnist`` next to the repository; without the files it
says so and uses scikit-learn's 8x8 digits instead, where the same happens.
"""

# %%
# Train the classic network
# -------------------------
#
# Two hidden layers of 16 logistic units, mini-batch SGD (10 images per step,
# learning rate 0.5), pixels scaled to [0, 1]: 10 epochs over the 60,000
# MNIST training images (94.1% of the 10,000 test images right when this was
# written), or 30 epochs on three quarters of the 8x8 digits without MNIST.

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


def mnist_directory():
    """$SKMLP_MNIST_DIR, else ../shared/data/mnist next to the repository."""
    if os.environ.get("SKMLP_MNIST_DIR"):
        return Path(os.environ["SKMLP_MNIST_DIR"])
    # This script's folder, examples/<section>/ (sphinx-gallery runs the
    # scripts there, without __file__); the repository is two levels up.
    here = Path(__file__).parent if "__file__" in globals() else Path.cwd()
    return here.resolve().parents[1].parent / "shared" / "data" / "mnist"


try:
    X_train, X_test, y_train, y_test = load_mnist(mnist_directory())
    data_name, epochs = "MNIST 28x28", 10
except FileNotFoundError as exc:
    print(f"{exc}\nFalling back to the 8x8 digits: set SKMLP_MNIST_DIR to the "
          "directory of the MNIST files.")
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    data_name, epochs = "8x8 digits", 30
n_features = X_train.shape[1]
side = int(round(n_features ** 0.5))
clf = MLPClassifier(
    hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
    learning_rate_init=0.5, momentum=0.0, batch_size=10, max_iter=epochs,
    tol=0.0, n_iter_no_change=epochs, random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # fixed epochs on purpose
    clf.fit(X_train, y_train)
print(f"{data_name}: {len(X_train)} training images, {epochs} epochs; accuracy on the "
      f"{len(X_test)} test digits: {clf.score(X_test, y_test):.3f}")

# %%
# Real digits and random noise
# ----------------------------
#
# 2,000 noise images, every pixel drawn uniformly from [0, 1], the same range
# as the digits. For each image the network's *confidence* is its largest
# predicted probability, that of the class :meth:`~skmlp.MLPClassifier.predict`
# returns.

rng = np.random.default_rng(0)
X_noise = rng.uniform(0.0, 1.0, size=(2_000, n_features)).astype(X_train.dtype)

confidence_digits = clf.predict_proba(X_test).max(axis=1)
confidence_noise = clf.predict_proba(X_noise).max(axis=1)
labels_noise = clf.predict(X_noise)

for threshold in (0.5, 0.9):
    print(f"confidence > {threshold:.0%}: real test digits "
          f"{np.mean(confidence_digits > threshold):.1%}, noise images "
          f"{np.mean(confidence_noise > threshold):.1%}")
print(f"median confidence: digits {np.median(confidence_digits):.3f}, "
      f"noise {np.median(confidence_noise):.3f}")
digits, counts = np.unique(labels_noise, return_counts=True)
print("digit the noise images are given:",
      ", ".join(f"{digit}: {count}" for digit, count in zip(digits, counts)))

# %%
# Histograms of the confidence
# ----------------------------
#
# On real digits the network is almost always very sure, and rightly so. On
# noise it should ideally say "I don't know", which for ten classes would be a
# confidence near 0.1. Trained on MNIST's 60,000 images it is less sure of
# noise than of digits, but far from that: its median confidence on noise was
# 0.84 when this was written (0.99 on real digits), and it called almost all
# of the 2,000 noise images the same digit, a 3. (On the 8x8 digits many noise
# images even get a confidence above 0.9.) High confidence is no evidence that
# an input is a digit: a network only knows about the kind of data it was
# trained on.

bins = np.linspace(0.0, 1.0, 41)
fig, ax = plt.subplots(figsize=(7, 4))
ax.hist(confidence_digits, bins=bins, density=True, alpha=0.6,
        label=f"test digits ({len(X_test)})")
ax.hist(confidence_noise, bins=bins, density=True, alpha=0.6,
        label=f"uniform noise ({len(X_noise)})")
ax.set_xlabel("Largest predicted probability (confidence)")
ax.set_ylabel("Density")
ax.set_title("How sure is the network?")
ax.legend(loc="upper left")
fig.tight_layout()

# %%
# The noise images the network is most sure about
# ------------------------------------------------
#
# They look nothing like the digits they are given. Noise is not spread
# evenly over the ten classes either (see the counts printed above): a few
# digits, whose regions of input space happen to reach furthest out from the
# training data, collect most of it.

most_confident = np.argsort(confidence_noise)[::-1][:8]
fig, axes = plt.subplots(1, 8, figsize=(10, 2.1), layout="constrained")
for ax, index in zip(axes, most_confident):
    ax.imshow(X_noise[index].reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(f"'{labels_noise[index]}', p={confidence_noise[index]:.3f}", fontsize="small")
    ax.set_axis_off()
fig.suptitle("Noise images classified with the highest confidence")

plt.show()
