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

This example trains the classic network on MNIST's 28x28 handwritten digits
and compares :meth:`~skmlp.MLPClassifier.predict_proba` on held-out digits
with that on images of uniform random noise. It reads the MNIST test set
from the directory given as its first argument, else ``$SKMLP_MNIST_DIR``,
else ``../shared/data/mnist`` next to the repository; without the files it
says so and uses scikit-learn's 8x8 digits instead, where the same happens.
"""

# %%
# Train the classic network
# -------------------------
#
# Two hidden layers of 16 logistic units, mini-batch SGD (10 images per step,
# learning rate 0.5), 30 epochs, pixels scaled to [0, 1]: 8,000 MNIST images
# for training and 2,000 held out (or the 8x8 digits, without MNIST).

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

MNIST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def mnist_directory():
    """First command-line argument, else $SKMLP_MNIST_DIR, else the default."""
    try:
        script_dir = Path(__file__).resolve().parent
    except NameError:  # sphinx-gallery and notebooks: no __file__, no arguments to read
        script_dir = None
    if script_dir is not None and len(sys.argv) > 1:
        return Path(sys.argv[1])
    if os.environ.get("SKMLP_MNIST_DIR"):
        return Path(os.environ["SKMLP_MNIST_DIR"])
    # ../shared/data/mnist from the repository root: the parent of examples/; without
    # __file__, the parent of the CWD (sphinx-gallery runs examples in examples/) or the CWD.
    roots = [script_dir.parent] if script_dir else [Path.cwd().parent, Path.cwd()]
    defaults = [root.parent / "shared" / "data" / "mnist" for root in roots]
    return next((path for path in defaults if path.is_dir()), defaults[0])


def read_idx(path):
    """An array of unsigned bytes from a gzipped IDX file (big-endian header)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[:4], "big")  # 2051: images (n, rows, cols); 2049: labels (n,)
    if magic not in (2049, 2051):
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (magic number {magic}).")
    ndim = magic & 0xFF
    shape = tuple(int(n) for n in np.frombuffer(data, ">u4", count=ndim, offset=4))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(directory, n_train=8_000):
    """X_train, X_test, y_train, y_test (pixels in [0, 1], float32), or None if absent."""
    paths = [Path(directory) / name for name in MNIST_FILES]
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        print(f"MNIST files not found: {', '.join(missing)} missing in {directory}. "
              "Falling back to the 8x8 digits; pass the directory as the first argument or "
              "set SKMLP_MNIST_DIR.")
        return None
    images, labels = (read_idx(path) for path in paths)
    X = images.reshape(len(images), -1).astype(np.float32) / 255
    y = labels.astype(np.int64)
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


mnist = load_mnist(mnist_directory())
if mnist is not None:
    X_train, X_test, y_train, y_test = mnist
    data_name = "MNIST 28x28"
else:
    print("Using scikit-learn's 8x8 digits instead of MNIST (same network, same story).")
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    data_name = "8x8 digits"
n_features = X_train.shape[1]
side = int(round(n_features ** 0.5))
clf = MLPClassifier(
    hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
    learning_rate_init=0.5, momentum=0.0, batch_size=10, max_iter=30,
    tol=0.0, n_iter_no_change=30, random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs on purpose
    clf.fit(X_train, y_train)
print(f"{data_name}: held-out accuracy on real digits: {clf.score(X_test, y_test):.3f}")

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

threshold = 0.9
share_digits = np.mean(confidence_digits > threshold)
share_noise = np.mean(confidence_noise > threshold)
print(f"real held-out digits classified with > {threshold:.0%} confidence: {share_digits:.1%}")
print(f"noise images classified with > {threshold:.0%} confidence: {share_noise:.1%}")
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
# confidence near 0.1, but a good part of the noise images get a confidence as
# high as real digits do. High confidence is therefore no evidence that an
# input is a digit: a network only knows about the kind of data it was trained
# on.

bins = np.linspace(0.0, 1.0, 41)
fig, ax = plt.subplots(figsize=(7, 4))
ax.hist(confidence_digits, bins=bins, density=True, alpha=0.6,
        label=f"held-out digits ({len(X_test)})")
ax.hist(confidence_noise, bins=bins, density=True, alpha=0.6,
        label=f"uniform noise ({len(X_noise)})")
ax.axvline(threshold, color="black", linestyle="--", linewidth=1)
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
