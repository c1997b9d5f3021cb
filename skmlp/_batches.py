"""The mini-batches of an epoch, gathered one ahead in a background thread.

Part of the training layer (see :mod:`skmlp._training`): NumPy, SciPy (for
sparse input) and the standard library only.
"""

import threading
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

__all__ = ["PREFETCH_MIN_BYTES", "mini_batches"]


def _gather(A, rows, out):
    """``A[rows]`` into the leading rows of ``out`` (dense) or as a new matrix (sparse)."""
    if sp.issparse(A):
        return A[rows]
    # mode="clip" skips the bounds check (and the temporary it needs): the rows
    # come from a permutation, so they are in range.
    return np.take(A, rows, axis=0, out=out[: len(rows)], mode="clip")


#: Smallest mini-batch of dense rows (in bytes) worth gathering in a
#: background thread: below it, handing the work over costs more than the copy.
PREFETCH_MIN_BYTES = 1 << 16

_prefetch_pool, _prefetch_lock = None, threading.Lock()


def _prefetcher():
    """The one background thread that gathers the next mini-batch."""
    global _prefetch_pool
    with _prefetch_lock:
        if _prefetch_pool is None:
            _prefetch_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skmlp-batches")
        return _prefetch_pool


def mini_batches(X, Y, batch_size, order):
    """The mini-batches of one epoch: ``(start, stop, X_batch, Y_batch, rows)``.

    In order when ``order`` is None (slices of ``X`` and ``Y``, ``rows`` None),
    otherwise the rows ``order[start:stop]`` gathered into buffers allocated
    once. Large dense batches are gathered one ahead, in a background thread
    (NumPy copies without the GIL), while the current one trains: the same
    rows in the same order, so the same results. The caller closes the
    generator (``with contextlib.closing(...)``), which waits for that thread.
    """
    n_samples = X.shape[0]
    starts = range(0, n_samples, batch_size)
    if order is None:
        for start in starts:
            stop = min(start + batch_size, n_samples)
            yield start, stop, X[start:stop], Y[start:stop], None
        return
    size = min(batch_size, n_samples)
    background = (not sp.issparse(X) and len(starts) > 1
                  and size * X.shape[1] * X.itemsize >= PREFETCH_MIN_BYTES)
    n_buffers = 2 if background else 1  # one being trained on, one being filled
    X_buffers = [None if sp.issparse(X) else np.empty((size, X.shape[1]), X.dtype)
                 for _ in range(n_buffers)]
    Y_buffers = [np.empty((size, Y.shape[1]), Y.dtype) for _ in range(n_buffers)]

    def gather(k):
        rows = order[starts[k]:starts[k] + batch_size]
        buffer = k % n_buffers
        return _gather(X, rows, X_buffers[buffer]), _gather(Y, rows, Y_buffers[buffer]), rows

    pending = _prefetcher().submit(gather, 0) if background else None
    try:
        for k, start in enumerate(starts):
            if background:
                X_batch, Y_batch, rows = pending.result()
                pending = _prefetcher().submit(gather, k + 1) if k + 1 < len(starts) else None
            else:
                X_batch, Y_batch, rows = gather(k)
            yield start, min(start + batch_size, n_samples), X_batch, Y_batch, rows
    finally:
        if pending is not None:  # stopped early: let the thread finish with the buffers
            futures.wait([pending])
