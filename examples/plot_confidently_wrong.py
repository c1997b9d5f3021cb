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

This example trains the classic network on scikit-learn's 8x8 digits and
compares :meth:`~skmlp.MLPClassifier.predict_proba` on held-out digits with
that on images of uniform random noise.
"""

# %%
# Train the classic network
# -------------------------
#
# Two hidden layers of 16 logistic units, mini-batch SGD (10 images per step,
# learning rate 0.5), 30 epochs, on the 8x8 digits with pixels scaled to
# [0, 1].

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
clf = MLPClassifier(
    hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
    learning_rate_init=0.5, momentum=0.0, batch_size=10, max_iter=30,
    tol=0.0, n_iter_no_change=30, random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs on purpose
    clf.fit(X_train, y_train)
print(f"held-out accuracy on real digits: {clf.score(X_test, y_test):.3f}")

# %%
# Real digits and random noise
# ----------------------------
#
# 2,000 noise images, every pixel drawn uniformly from [0, 1], the same range
# as the digits. For each image the network's *confidence* is its largest
# predicted probability, that of the class :meth:`~skmlp.MLPClassifier.predict`
# returns.

rng = np.random.default_rng(0)
X_noise = rng.uniform(0.0, 1.0, size=(2_000, X.shape[1]))

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
    ax.imshow(X_noise[index].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(f"'{labels_noise[index]}', p={confidence_noise[index]:.3f}", fontsize="small")
    ax.set_axis_off()
fig.suptitle("Noise images classified with the highest confidence")

plt.show()
