"""
===========================================================
Is the gradient right? Checking backpropagation numerically
===========================================================

Gradient descent needs the partial derivative of the cost with respect to
every weight and bias. Backpropagation computes all of them at once, with one
forward pass and one backward pass through the network, by the chain rule.
skmlp implements it by hand in NumPy, so is it right?

There is a slow but simple way to find out. The derivative with respect to one
parameter ``p`` is approximately ``(C(p + eps) - C(p - eps)) / (2 eps)``: a
*central finite difference*, which only needs the cost itself, evaluated
twice. :func:`skmlp.utils.check_gradients` compares backpropagation's gradient
with these finite differences, layer by layer, and returns for each layer the
relative error ``max |analytic - numeric| / max(|analytic|, |numeric|)``. In
double precision, values around ``1e-7`` or below mean the two agree; a
mistake in the backward pass gives values near 1.
"""

# %%
# The classic network
# -------------------
#
# Two hidden layers of 16 sigmoid units on the 8x8 digits, checked on 50
# images: once at its random initial weights (an unfitted estimator is checked
# at the weights its ``random_state`` gives) and once after training. Layer
# ``k`` means the weights and biases going into layer ``k + 1``; in large
# layers, 200 randomly chosen parameters are checked.

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPClassifier
from skmlp.utils import check_gradients

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_check, y_check = X[:50], y[:50]


def fitted(estimator):
    """``estimator`` fitted on the first 1,000 digits, for a few epochs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a few epochs is enough here
        return estimator.fit(X[:1000], y[:1000])


classic = MLPClassifier(
    hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
    learning_rate_init=0.5, momentum=0.0, batch_size=10, max_iter=10, random_state=0,
)
errors_initial = check_gradients(classic, X_check, y_check)
errors_trained = check_gradients(fitted(clone(classic)), X_check, y_check)
with np.printoptions(precision=1):
    print(f"classic network, initial weights: relative error per layer {errors_initial}")
    print(f"classic network, trained weights: relative error per layer {errors_trained}")

# %%
# Every activation, both costs
# ----------------------------
#
# The same check for each hidden activation skmlp offers and for both costs,
# the cross-entropy (``loss="log_loss"``) and the quadratic cost
# (``loss="squared_error"``), at trained weights and with an L2 penalty
# (``alpha=1e-3``), whose gradient backpropagation must include too. ReLU and
# leaky ReLU have a kink at 0; a finite difference that straddles a kink can
# disagree, but with the default ``eps=1e-5`` that is rare.

activations = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu"]
losses = ["log_loss", "squared_error"]
errors = {}
for loss in losses:
    for activation in activations:
        estimator = MLPClassifier(
            hidden_layer_sizes=(16, 16), activation=activation, loss=loss, alpha=1e-3,
            max_iter=20, random_state=0,
        )
        errors[loss, activation] = check_gradients(fitted(estimator), X_check, y_check)
        with np.printoptions(precision=1):
            print(f"{loss:>13}, {activation:>10}: {errors[loss, activation]}")

worst = max(float(e.max()) for e in errors.values())
print(f"largest relative error of all {len(errors)} configurations: {worst:.1e}")

# %%
# All errors are many orders of magnitude below 1: what backpropagation
# computes is the gradient of the cost, for every layer, activation and cost.
# The logistic networks stand out a little. After 20 epochs of Adam at its
# default learning rate they are still near their starting plateau, where the
# gradient of the first layers is tiny, so the small absolute error of the
# finite differences themselves is large *relative* to it.

fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
n_layers = len(next(iter(errors.values())))
width = 0.8 / n_layers
positions = np.arange(len(activations))
for ax, loss in zip(axes, losses):
    for layer in range(n_layers):
        values = [errors[loss, activation][layer] for activation in activations]
        ax.bar(positions + (layer - (n_layers - 1) / 2) * width, values, width,
               label=f"layer {layer + 1}")
    ax.axhline(1e-7, color="black", linestyle="--", linewidth=1)
    ax.set_yscale("log")
    ax.set_ylim(1e-12, 1)
    ax.set_xticks(positions, activations, rotation=30)
    ax.set_title(f'loss="{loss}"')
axes[0].set_ylabel("relative error (backprop vs finite differences)")
axes[0].text(-0.4, 1.5e-7, "1e-7: backprop and finite differences agree",
             fontsize="small")
axes[1].legend(loc="upper right")
fig.tight_layout()

# %%
# Whose error is it?
# ------------------
#
# A central difference has two sources of error: the truncation error of the
# formula, which grows like ``eps**2``, and the rounding error of subtracting
# two nearly equal costs, which grows like ``1e-16 / eps``. If the remaining
# disagreement comes from the finite differences rather than from
# backpropagation, it must follow this V shape as ``eps`` varies, with its
# minimum near ``eps = 1e-5`` or ``1e-4``. It does: for the logistic network
# with the quadratic cost, the worst case above, the error falls from about
# ``1e-6`` to a few times ``1e-9`` as ``eps`` grows to ``1e-5`` or ``1e-4``,
# and then rises a hundredfold for every tenfold increase. (On the far left
# the fall is flattened: there the rounding noise reaches the floor that
# :func:`~skmlp.utils.check_gradients` divides by, a million times that
# noise, so the reported error stops growing near ``1e-6``.)

worst_case = fitted(MLPClassifier(
    hidden_layer_sizes=(16, 16), activation="logistic", loss="squared_error", alpha=1e-3,
    max_iter=20, random_state=0,
))
epsilons = np.logspace(-8, -2, 7)
sweep = np.array([check_gradients(worst_case, X_check, y_check, eps=eps) for eps in epsilons])
for eps, row in zip(epsilons, sweep):
    with np.printoptions(precision=1):
        print(f"eps={eps:.0e}: {row}")

fig, ax = plt.subplots(figsize=(6, 4))
for layer in range(sweep.shape[1]):
    ax.loglog(epsilons, sweep[:, layer], marker="o", label=f"layer {layer + 1}")
ax.set_xlabel("eps of the central differences")
ax.set_ylabel("relative error")
ax.set_title('logistic units, loss="squared_error"')
ax.legend()
fig.tight_layout()

# %%
# Why not always use finite differences?
# --------------------------------------
#
# Because they cost two evaluations of the cost per parameter. A single
# :meth:`~skmlp.MLPClassifier.partial_fit` call computes the whole gradient by
# backpropagation (and takes a step); compare it with the time finite
# differences would need for all parameters, estimated from a check of a
# few hundred of them.

network = fitted(clone(classic))
n_params = sum(W.size for W in network.coefs_) + sum(b.size for b in network.intercepts_)
n_checked = sum(min(W.size + b.size, 200) for W, b in zip(network.coefs_, network.intercepts_))

started = time.perf_counter()
check_gradients(network, X_check, y_check)
per_parameter = (time.perf_counter() - started) / n_checked

repeats = 200
started = time.perf_counter()
for _ in range(repeats):
    network.partial_fit(X_check, y_check)
per_step = (time.perf_counter() - started) / repeats

print(f"{n_params} parameters; one backpropagation step on {len(X_check)} images: "
      f"{1e3 * per_step:.2f} ms")
print(f"finite differences for all of them: about {1e3 * per_parameter * n_params:.0f} ms "
      f"({per_parameter * n_params / per_step:.0f} times longer)")

plt.show()
