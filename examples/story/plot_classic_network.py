"""
==========================================================
The classic network: two hidden layers of 16 sigmoid units
==========================================================

The classic introduction to neural networks recognises handwritten digits with
a small network: the pixels of an image go in, two hidden layers of 16 sigmoid
("logistic") neurons transform them, and ten output neurons, one per digit,
say which digit it is. Learning means choosing the weights and biases that make
a *cost function* small, by *gradient descent*; *backpropagation* computes the
gradient of the cost, and *mini-batch stochastic gradient descent* estimates it
from a few images at a time.

This example trains that network with :class:`skmlp.MLPClassifier` on the 8x8
digits that ship with scikit-learn (the next example,
:ref:`sphx_glr_auto_examples_story_plot_mnist_story.py`, trains it on MNIST's
60,000 images), first with the cross-entropy cost (skmlp's
default, ``loss="log_loss"``) and then with the quadratic cost
``1/2 ||a - y||^2`` of the classic story (``loss="squared_error"``).
"""

# %%
# The data
# --------
#
# 1,797 images of 8x8 pixels with grey levels from 0 to 16. Dividing by 16
# puts every pixel in [0, 1]. A quarter of the images are held out to measure
# how well the network does on digits it has never seen.

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier
from skmlp.plotting import LossCurveDisplay

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print(f"{len(X_train)} training images, {len(X_test)} held-out images, "
      f"{X.shape[1]} pixels each")

# Constrained layout keeps the title clear of the digits' labels.
fig, axes = plt.subplots(2, 8, figsize=(8, 2.8), layout="constrained")
for ax, image, label in zip(axes.flat, X_train, y_train):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title(str(label))
    ax.set_axis_off()
fig.suptitle("Some training digits and their labels")

# %%
# The network and its training
# ----------------------------
#
# ``hidden_layer_sizes=(16, 16)`` and ``activation="logistic"`` give the
# 64-16-16-10 network of sigmoid neurons. ``solver="sgd"`` with
# ``batch_size=10`` is mini-batch stochastic gradient descent: every step
# follows the gradient of the cost on 10 images, with a learning rate
# (step size) of 0.5 and no momentum, as in the classic text. An *epoch* is one
# pass over the training images in mini-batches (here 135 steps). ``tol=0``
# and a large ``n_iter_no_change`` make it run exactly ``max_iter`` epochs.

EPOCHS = 30
classic = dict(
    hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
    batch_size=10, momentum=0.0, max_iter=EPOCHS, tol=0.0,
    n_iter_no_change=EPOCHS, random_state=0,
)

cross_entropy_net = MLPClassifier(learning_rate_init=0.5, **classic)
with warnings.catch_warnings():
    # A fixed number of epochs is the point here, not convergence.
    warnings.simplefilter("ignore", ConvergenceWarning)
    cross_entropy_net.fit(X_train, y_train)

n_params = (sum(W.size for W in cross_entropy_net.coefs_)
            + sum(b.size for b in cross_entropy_net.intercepts_))
layer_sizes = [X.shape[1]] + [b.size for b in cross_entropy_net.intercepts_]
print(f"layer sizes {layer_sizes}: {n_params} weights and biases")
print(f"cross-entropy cost: {cross_entropy_net.n_iter_} epochs, "
      f"{cross_entropy_net.t_} images seen, final training loss "
      f"{cross_entropy_net.loss_curve_[-1]:.4f}")
print(f"cross-entropy cost: held-out accuracy {cross_entropy_net.score(X_test, y_test):.3f}")

# %%
# The quadratic cost
# ------------------
#
# The classic story starts with the quadratic cost
# ``C = 1/2 ||a - y||^2``, averaged over the images of a mini-batch, where
# ``a`` holds the ten outputs and ``y`` is 1 for the right digit and 0 for the
# others. (skmlp's output layer is a softmax over the ten digits with either
# cost; the classic text uses ten independent sigmoid outputs.) Backpropagation
# multiplies the error ``a - y`` by the slope of the output activation, which is
# small when an output is saturated near 0 or 1; the cross-entropy cost has no
# such factor. The gradients are therefore smaller, and a larger learning rate
# (here 3.0) is needed to learn at a similar pace.

quadratic_net = MLPClassifier(loss="squared_error", learning_rate_init=3.0, **classic)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    quadratic_net.fit(X_train, y_train)
print(f"quadratic cost: final training loss {quadratic_net.loss_curve_[-1]:.4f}")
print(f"quadratic cost: held-out accuracy {quadratic_net.score(X_test, y_test):.3f}")

# %%
# Learning curves
# ---------------
#
# :class:`~skmlp.plotting.LossCurveDisplay` draws the training loss after each
# epoch. The two costs are measured on different scales, so each gets its own
# axes. Both fall slowly at first, while the outputs of the randomly
# initialised network are nearly uniform, and then quickly.

fig, (ax_ce, ax_quad) = plt.subplots(1, 2, figsize=(10, 4))
LossCurveDisplay.from_estimator(
    cross_entropy_net, ax=ax_ce, name="Cross-entropy cost, learning rate 0.5")
LossCurveDisplay.from_estimator(
    quadratic_net, ax=ax_quad, name="Quadratic cost, learning rate 3.0", color="tab:orange")
fig.tight_layout()

# %%
# What the network gets wrong
# ---------------------------
#
# The held-out digits that the cross-entropy network misclassifies, with its
# prediction and the true label. Some of them are hard even for a human.

predicted = cross_entropy_net.predict(X_test)
wrong = (predicted != y_test).nonzero()[0]
print(f"{len(wrong)} of {len(y_test)} held-out digits misclassified")

n_shown = min(len(wrong), 16)
fig, axes = plt.subplots(2, 8, figsize=(8, 3.0), layout="constrained")
for ax in axes.flat:
    ax.set_axis_off()
for ax, index in zip(axes.flat, wrong[:n_shown]):
    ax.imshow(X_test[index].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{predicted[index]} (is {y_test[index]})", fontsize="small")
fig.suptitle("Misclassified held-out digits: prediction (true label)")

plt.show()
