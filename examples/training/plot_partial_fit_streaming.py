"""
=====================================================
Learning from a stream: one ``partial_fit``, one step
=====================================================

Mini-batch stochastic gradient descent does not need the whole training set
at once: every step only looks at a small batch of examples. So a network can
learn from data that arrives a little at a time, from a stream, a sensor or a
file too big for memory, by feeding each batch to
:meth:`~skmlp.MLPClassifier.partial_fit` as it comes.

In skmlp **every call of** ``partial_fit`` **is exactly one optimizer step**:
all the rows given form one mini-batch, the gradient is their mean, and the
weights are updated once. (scikit-learn's own ``MLPClassifier.partial_fit``
instead runs a whole epoch of mini-batches of ``batch_size`` rows over the rows
it is given.) So the caller decides the batch size, and ``n_iter_`` counts the
steps taken.

This example streams the 8x8 digits in mini-batches of 32 images to the
classic network of two hidden layers of 16 sigmoid units and measures its
accuracy on held-out digits every 25 steps.
"""

# %%
# A stream of mini-batches
# ------------------------
#
# A generator stands in for the data source: it yields batches of 32 training
# images and their labels, in a new random order after every pass over the
# training set, forever. The learner never sees more than one batch at a time.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
BATCH_SIZE = 32


def stream(X, y, batch_size, seed=0):
    """Endless mini-batches of (X, y), reshuffled after every pass."""
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(len(X))
        for start in range(0, len(order) - batch_size + 1, batch_size):
            batch = order[start:start + batch_size]
            yield X[batch], y[batch]


# %%
# One call, one step
# ------------------
#
# The first call must list every class that will ever appear, since the first
# batch may not contain them all. After it, the network has taken one step and
# seen 32 images. The batch size comes from the rows passed in: the
# ``batch_size`` parameter only matters to :meth:`~skmlp.MLPClassifier.fit`.

clf = MLPClassifier(
    hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
    learning_rate_init=0.5, momentum=0.0, random_state=0,
)
batches = stream(X_train, y_train, BATCH_SIZE)
X_batch, y_batch = next(batches)
clf.partial_fit(X_batch, y_batch, classes=np.arange(10))
losses = [clf.loss_]
print(f"after 1 call:   n_iter_={clf.n_iter_}, t_={clf.t_} images seen, "
      f"mini-batch loss loss_={clf.loss_:.4f}")
for _ in range(9):
    X_batch, y_batch = next(batches)
    clf.partial_fit(X_batch, y_batch)
    losses.append(clf.loss_)
print(f"after 10 calls: n_iter_={clf.n_iter_}, t_={clf.t_} images seen, "
      f"mini-batch loss loss_={clf.loss_:.4f}")

# %%
# The learning curve
# ------------------
#
# Keep streaming, and every 25 steps measure the accuracy on the held-out
# digits (which are never trained on). After each call, ``loss_`` is the loss
# on that call's mini-batch; we keep them in a list. (``partial_fit`` does not
# append to ``loss_curve_``, the per-epoch curve of
# :meth:`~skmlp.MLPClassifier.fit`, so that an endless stream of calls runs in
# constant memory.)

N_STEPS = 2_000
EVAL_EVERY = 25
steps, accuracies = [clf.n_iter_], [clf.score(X_test, y_test)]
while clf.n_iter_ < N_STEPS:
    X_batch, y_batch = next(batches)
    clf.partial_fit(X_batch, y_batch)
    losses.append(clf.loss_)
    if clf.n_iter_ % EVAL_EVERY == 0:
        steps.append(clf.n_iter_)
        accuracies.append(clf.score(X_test, y_test))

steps, accuracies = np.array(steps), np.array(accuracies)
print(f"after {clf.n_iter_} calls: t_={clf.t_} images seen "
      f"({clf.t_ / len(X_train):.1f} passes over the {len(X_train)} training images)")
for target in (0.5, 0.9, 0.95):
    reached = steps[accuracies >= target]
    when = f"step {reached[0]}" if reached.size else f"not within {N_STEPS} steps"
    print(f"held-out accuracy >= {target:.0%}: {when}")
print(f"final held-out accuracy: {accuracies[-1]:.3f}")

# %%
# Held-out accuracy stays at chance for the first hundred or so steps, a
# plateau where the sigmoid units of the randomly initialised network give
# nearly the same output for every image, then climbs past 90% in about a
# thousand steps and keeps creeping up. The mini-batch losses are noisy, since
# each is measured on 32 different images; their running mean falls steadily.

losses = np.asarray(losses)
window = 50
running_mean = np.convolve(losses, np.ones(window) / window, mode="valid")

fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
ax_acc.plot(steps, accuracies, marker=".")
ax_acc.set_xlabel("partial_fit calls (optimizer steps)")
ax_acc.set_ylabel("Held-out accuracy")
ax_acc.set_ylim(0, 1)
ax_acc.set_title(f"Accuracy every {EVAL_EVERY} steps")
secondary = ax_acc.secondary_xaxis(
    "top", functions=(lambda s: s * BATCH_SIZE / len(X_train),
                      lambda e: e * len(X_train) / BATCH_SIZE))
secondary.set_xlabel("passes over the training images")

ax_loss.plot(np.arange(1, len(losses) + 1), losses, color="lightgray",
             label="mini-batch loss")
ax_loss.plot(np.arange(window, len(losses) + 1), running_mean, color="tab:blue",
             label=f"running mean of {window}")
ax_loss.set_xlabel("partial_fit calls (optimizer steps)")
ax_loss.set_ylabel("Loss")
ax_loss.set_title("loss_ after each call")
ax_loss.legend()
fig.tight_layout()

plt.show()
