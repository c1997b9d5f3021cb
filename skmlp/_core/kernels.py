"""Where training uses the compiled kernels.

The compiled extension (``_kernels.pyx``, built by ``pip install .`` as the
top-level module ``_skmlp_kernels``) does the optimizer updates and the L2
penalty's gradient in one pass each, and the loss and gradient of a dense
mini-batch in one call. Each caller keeps the NumPy form of the same math
beside it, as the reference: :data:`compiled` is None where the extension is
missing or was built from another version of the source, and everything then
runs in NumPy, with the same parameters bit for bit after an optimizer
update, and the same loss and gradient up to rounding
(``tests/test_kernels.py``).

The updates run in the calling thread. Measured and left out (issue 21,
2-core Intel Xeon, OpenBLAS): splitting the Adam update of the wide 512-512
network's 670,000 parameters over two threads took 672 instead of 839 us
alone, but made whole training steps 2-4% slower, since OpenBLAS's threads
keep spinning on the cores between matrix products.
"""

import hashlib
from pathlib import Path

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES
from .outputs import OUTPUTS

__all__ = ["compiled", "dense_network", "flush_subnormal", "for_vectors"]

SOURCE = Path(__file__).with_name("_kernels.pyx")
#: The C loops the ``.pyx`` file includes; the build's hash covers both.
LOOPS = SOURCE.with_name("_kernels_loops.h")


def _load():
    """The compiled module, or None if it is missing or stale."""
    try:
        import _skmlp_kernels as module
    except ImportError:
        return None
    if SOURCE.exists():  # a checkout: the build must come from this very source
        if module.SOURCE_HASH != source_hash():
            return None
    return module


def source_hash():
    """SHA-256 of the kernels' sources, as ``setup.py`` records it in the build."""
    return hashlib.sha256(SOURCE.read_bytes() + LOOPS.read_bytes()).hexdigest()


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


def flush_subnormal(array, scratch=None, mask=None):
    """Set the entries of ``array`` below the smallest normal number to 0, in place.

    The NumPy form of what the compiled updates do to every result: NaN and
    infinities stay. See :mod:`skmlp._core.optimizers` for why.

    Parameters
    ----------
    array : ndarray
    scratch : ndarray of the shape and dtype of ``array``, default=None
    mask : ndarray of bool of the shape of ``array``, default=None
        Buffers for ``|array|`` and the comparison (allocated when None).
    """
    tiny = np.finfo(array.dtype).tiny
    magnitude = np.abs(array, out=scratch)
    np.copyto(array, 0, where=np.less(magnitude, tiny, out=mask))


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


def for_vectors(*arrays):
    """The compiled kernels if they can update ``arrays``, else None.

    The update kernels take C-contiguous vectors of one dtype, float32 or
    float64; None also where the extension is not built.
    """
    dtype = arrays[0].dtype
    if (compiled is None or dtype not in (np.float32, np.float64)
            or any(a.dtype != dtype or not a.flags.c_contiguous for a in arrays)):
        return None
    return compiled
