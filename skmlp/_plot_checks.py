"""Input checks and messages of :mod:`skmlp.plotting`'s displays.

Kept apart so that the plotting module holds the two Display classes only.
"""

import math
from numbers import Integral

import numpy as np


def _check_matplotlib_support(caller_name):
    """Raise an ImportError naming ``caller_name`` if matplotlib is missing.

    Like scikit-learn's ``check_matplotlib_support``, but it points to the
    ``plot`` extra of skmlp.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib, an optional dependency of skmlp. "
            "Install it with `pip install matplotlib` (or, from the root of a checkout of "
            'skmlp, `pip install ".[plot]"`).'
        ) from exc


def _as_curve(values, name):
    """``values`` as a 1-D float array, or None when it is None or empty."""
    if values is None:
        return None
    curve = np.asarray(values, dtype=float)
    if curve.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got an array of shape {curve.shape}.")
    return curve if curve.size else None


def _no_epoch_curve_message(estimator):
    """Why a fitted estimator has an empty ``loss_curve_``, and what to do."""
    name = type(estimator).__name__
    latest = getattr(estimator, "loss_", None)
    latest = "" if latest is None else f" Its latest loss is loss_={latest:.6g}."
    return (
        f"{name}.loss_curve_ is empty: there is no epoch to plot. A model trained only "
        "by partial_fit has no epoch curve: each call is one optimizer step, and "
        "partial_fit does not append to loss_curve_ (so that long streams run in "
        f"constant memory).{latest} Record loss_ after each partial_fit call and draw "
        "the list with LossCurveDisplay(losses).plot()."
    )


def _square_shape(n_features, source):
    """``(side, side)`` when ``n_features`` is a perfect square, else a ValueError."""
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(
            f"image_shape=None infers square images only, but {source} has "
            f"n_features={n_features} input features, not a square number; pass "
            "image_shape=(height, width) with height * width == n_features."
        )
    return side, side


def _check_weights(coefs, image_shape, source="coefs"):
    """Validate the weight matrix and image shape; return them as array and tuple.

    ``image_shape=None`` is inferred as a square. ``source`` names where the
    weights come from, for the error messages.
    """
    coefs = np.asarray(coefs)
    if coefs.ndim != 2:
        raise ValueError(
            "coefs must be a 2-D array of shape (n_features, n_units), got an array of "
            f"shape {coefs.shape}."
        )
    if image_shape is None:
        return coefs, _square_shape(coefs.shape[0], source)
    try:
        shape = tuple(image_shape)
    except TypeError:
        shape = None
    if (shape is None or len(shape) != 2
            or not all(isinstance(n, Integral) and n > 0 for n in shape)):
        raise ValueError(
            f"image_shape must be a pair of positive integers (height, width), got "
            f"{image_shape!r}."
        )
    shape = (int(shape[0]), int(shape[1]))
    n_pixels, n_features = math.prod(shape), coefs.shape[0]
    if n_pixels != n_features:
        raise ValueError(
            f"image_shape={shape} has {n_pixels} pixels, but {source} has "
            f"n_features={n_features} input features (one weight per pixel is needed)."
        )
    return coefs, shape
