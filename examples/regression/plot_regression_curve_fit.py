"""
=====================================================
Fitting a curve: under- and overfitting with the size
=====================================================

:class:`skmlp.MLPRegressor` fits a noisy sine with one hidden layer of 1, 4,
32 and 256 tanh units. One unit can only draw a single S-shaped step and
misses the curve (underfitting: the training and held-out errors are both
large). A few units follow the sine. Many units trained to convergence with
L-BFGS and no weight penalty start to follow the noise of the 30 training
points too (overfitting: the training error falls below the noise level while the
held-out error rises).
"""

# %%
# The data: 30 noisy training points and 200 held-out points of the same curve.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error

from skmlp import MLPRegressor

rng = np.random.default_rng(0)


def noisy_sine(n):
    x = rng.uniform(-3, 3, size=(n, 1))
    return x, np.sin(x[:, 0]) + rng.normal(scale=0.25, size=n)


X_train, y_train = noisy_sine(30)
X_test, y_test = noisy_sine(200)
grid = np.linspace(-3, 3, 400)[:, np.newaxis]

# %%
# One network per hidden size, each trained by L-BFGS for up to 2,000
# iterations with ``alpha=0`` (no penalty), so that nothing stops the large
# networks from fitting the noise.

SIZES = (1, 4, 32, 256)
fits = {}
for n_units in SIZES:
    reg = MLPRegressor(hidden_layer_sizes=(n_units,), activation="tanh", solver="lbfgs",
                       alpha=0.0, max_iter=2000, tol=1e-10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X_train, y_train)
    fits[n_units] = reg
    train_mse = mean_squared_error(y_train, reg.predict(X_train))
    test_mse = mean_squared_error(y_test, reg.predict(X_test))
    print(f"{n_units:4d} hidden units: training MSE {train_mse:.4f}, "
          f"held-out MSE {test_mse:.4f}")

# %%
# The fitted curves. The noise has variance 0.0625: a fit whose training
# error falls well below it is fitting the noise.

fig, axes = plt.subplots(1, len(SIZES), figsize=(13, 3.2), sharey=True)
for ax, (n_units, reg) in zip(axes, fits.items()):
    ax.plot(grid[:, 0], np.sin(grid[:, 0]), color="0.6", label="sin(x)")
    ax.scatter(X_train[:, 0], y_train, s=12, color="k", label="training points")
    ax.plot(grid[:, 0], reg.predict(grid), color="tab:red", label="network")
    ax.set_title(f"{n_units} hidden unit{'s' if n_units > 1 else ''}")
    ax.set_ylim(-2, 2)
axes[0].legend(loc="lower right", fontsize="small")
fig.tight_layout()
plt.show()
