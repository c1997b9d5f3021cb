"""Where training uses the compiled kernels, and the threads they run in.

The compiled extension (``_kernels.pyx``, built by ``pip install .`` as the
top-level module ``_skmlp_kernels``) fuses the optimizer updates, the L2
penalty's gradient and two activation derivatives into one pass each. Each
caller keeps the NumPy form of the same math beside it, as the reference:
:data:`compiled` is None where the extension is missing or was built from
another version of the source, and everything then runs in NumPy with the
same results, bit for bit (``tests/test_kernels.py``).

Large vectors (the flat parameter vector of a wide network) are updated in
several threads at once: the kernels release the GIL, and NumPy's own
elementwise passes use one core while BLAS uses them all.
"""

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES
from .outputs import OUTPUTS

__all__ = ["compiled", "contiguous", "dense_network", "flush_subnormal", "for_each_slice"]

#: Fewest entries per thread worth a thread's start-up (measured: a hand-off
#: to the pool costs about as much as one pass over 30,000 float32 entries).
MIN_ENTRIES_PER_THREAD = 1 << 17
#: Threads at most, the caller's included.
MAX_THREADS = 4

SOURCE = Path(__file__).with_name("_kernels.pyx")


def _load():
    """The compiled module, or None if it is missing or stale."""
    try:
        import _skmlp_kernels as module
    except ImportError:
        return None
    if SOURCE.exists():  # a checkout: the build must come from this very source
        if module.SOURCE_HASH != hashlib.sha256(SOURCE.read_bytes()).hexdigest():
            return None
    return module


#: The compiled kernels, or None (then the NumPy reference runs).
compiled = _load()


def dense_network(layer_units, activations, deltas, hidden_activation, output_activation,
                  loss):
    """The compiled loss and gradient of a network, or None where there is none.

    Parameters
    ----------
    layer_units : sequence of int
    activations, deltas : list of ndarray of shape (capacity, n_units)
        The buffers of a :class:`~skmlp._core.objective.Workspace`.
    hidden_activation, output_activation, loss : str

    Returns
    -------
    network : _skmlp_kernels.DenseNetwork or None
        None when the kernels are not built, or do not implement the hidden
        activation, the (output, loss) pair or the dtype: the NumPy path of
        :func:`~skmlp._core.objective.loss_and_gradient` computes it then.
    """
    if (compiled is None or hidden_activation not in compiled.HIDDEN_ACTIVATIONS
            or (output_activation, loss) not in compiled.OUTPUT_LOSSES
            or activations[0].dtype not in ("float32", "float64")
            or not _rows_as_built(hidden_activation, output_activation, loss)):
        return None
    return compiled.DenseNetwork(layer_units, activations, deltas, hidden_activation,
                                 output_activation, loss)


def flush_subnormal(array):
    """Set the entries of ``array`` below the smallest normal number to 0, in place.

    The NumPy form of what the compiled updates do to every result: NaN and
    infinities stay. See :mod:`skmlp._core.optimizers` for why.
    """
    tiny = np.finfo(array.dtype).tiny
    np.copyto(array, 0, where=np.abs(array) < tiny)


#: The rows of the tables the compiled network implements, as they were
#: when skmlp was imported.
_BUILT_ROWS = (dict(ACTIVATIONS), dict(OUTPUTS), dict(LOSSES))


def _rows_as_built(hidden_activation, output_activation, loss):
    """Whether the table rows of this network are those the kernels implement.

    A row replaced at run time (an experiment, a test that plants a wrong
    derivative) is not what the compiled code computes: training then takes
    the NumPy path, which reads the tables.
    """
    return all(table.get(name) is built.get(name) for table, built, name in zip(
        (ACTIVATIONS, OUTPUTS, LOSSES), _BUILT_ROWS,
        (hidden_activation, output_activation, loss)))


def contiguous(*arrays):
    """Whether every array is C-contiguous (what the kernels take)."""
    return all(a.flags.c_contiguous for a in arrays)


def _count_usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_USABLE_CORES = _count_usable_cores()


def _usable_cores():
    return _USABLE_CORES


_pool, _pool_lock = None, threading.Lock()


def _thread_pool(n_workers):
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers < n_workers:
            _pool = ThreadPoolExecutor(max_workers=n_workers,
                                       thread_name_prefix="skmlp-kernels")
        return _pool


def for_each_slice(kernel, arrays, scalars):
    """``kernel(*arrays, start, stop, *scalars)`` over ranges that cover the vectors.

    One call for the whole length (in the calling thread) when the vectors
    are short; otherwise up to :data:`MAX_THREADS` disjoint ranges of at
    least :data:`MIN_ENTRIES_PER_THREAD` entries, one per usable core, the
    first in the calling thread. The compiled kernels release the GIL, so the
    ranges are updated at the same time.

    Parameters
    ----------
    kernel : callable
        A kernel of the compiled module that updates the range
        ``start:stop`` of its vectors.
    arrays : tuple of ndarray of shape (n,)
    scalars : tuple
    """
    n = arrays[0].shape[0]
    n_threads = min(MAX_THREADS, _usable_cores(), n // MIN_ENTRIES_PER_THREAD)
    if n_threads <= 1:
        kernel(*arrays, 0, n, *scalars)
        return
    # Range edges on multiples of 64 entries: whole cache lines for each thread.
    edges = [n * k // n_threads // 64 * 64 for k in range(n_threads)] + [n]
    pool = _thread_pool(n_threads - 1)
    futures = [pool.submit(kernel, *arrays, edges[k], edges[k + 1], *scalars)
               for k in range(1, n_threads)]
    kernel(*arrays, edges[0], edges[1], *scalars)
    for future in futures:
        future.result()
