"""The mini-batches of an epoch.

Part of the training layer (see :mod:`skmlp._training`): NumPy, SciPy (for
sparse input) and the standard library only.
"""

import numpy as np
import scipy.sparse as sp

__all__ = ["mini_batches"]


def _gather(A, rows, out):
    """``A[rows]`` into the leading rows of ``out`` (dense) or as a new matrix (sparse)."""
    if sp.issparse(A):
        return A[rows]
    # mode="clip" skips the bounds check (and the temporary it needs): the rows
    # come from a permutation, so they are in range.
    return np.take(A, rows, axis=0, out=out[: len(rows)], mode="clip")


def mini_batches(X, Y, batch_size, order):
    """The mini-batches of one epoch: ``(start, stop, X_batch, Y_batch, rows)``.

    In order when ``order`` is None (slices of ``X`` and ``Y``, ``rows``
    None); otherwise the rows ``order[start:stop]``, gathered into buffers
    allocated once per epoch.

    Notes
    -----
    Measured and left out (issue 21, 2-core Intel Xeon): gathering the next
    mini-batch in a background thread while the current one trains made
    steps slower (scikit-learn's defaults on MNIST: 603 -> 637 us a step), as
    the copy competed with BLAS's threads for the two cores; and gathering a
    whole shuffled epoch at once into one reusable buffer took 34 ms for
    MNIST's 60,000 training images, against 22 ms for the same rows 200 at a
    time (each batch is then still in the cache when it trains).
    """
    n_samples = X.shape[0]
    size = min(batch_size, n_samples)
    if order is not None:
        X_buffer = None if sp.issparse(X) else np.empty((size, X.shape[1]), X.dtype)
        Y_buffer = np.empty((size, Y.shape[1]), Y.dtype)
    for start in range(0, n_samples, batch_size):
        stop = min(start + batch_size, n_samples)
        if order is None:
            yield start, stop, X[start:stop], Y[start:stop], None
        else:
            rows = order[start:stop]
            yield start, stop, _gather(X, rows, X_buffer), _gather(Y, rows, Y_buffer), rows
