"""Parameter initialisation."""

import numpy as np

from .activations import ACTIVATIONS
from .network import ParameterLayout


def glorot_uniform(layout, hidden_activation, rng, dtype=np.float64):
    """Draw all weights and biases from Glorot's uniform distribution.

    Layer ``l`` with ``n_in`` inputs and ``n_out`` units draws its weights and
    biases uniformly from ``[-bound, bound]`` with
    ``bound = sqrt(factor / (n_in + n_out))``, where ``factor`` is the hidden
    activation's ``init_factor`` in the activation table: 6, or 2 for
    logistic hidden units (Glorot & Bengio, 2010), the same rule as
    scikit-learn's MLP.

    Parameters
    ----------
    layout : ParameterLayout
        Layer sizes and the position of each layer's parameters.
    hidden_activation : str
        Name of the hidden activation (of the activation table); its
        ``init_factor`` is ``factor``.
    rng : numpy.random.Generator
        Source of randomness.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float64
        dtype of the parameters.

    Returns
    -------
    params : ndarray of shape (layout.n_params,)
        All parameters in one flat array; ``layout.unpack(params)`` gives the
        per-layer views ``coefs`` and ``intercepts``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp._core.network import ParameterLayout
    >>> layout = ParameterLayout((4, 3, 2))
    >>> params = glorot_uniform(layout, "relu", np.random.default_rng(0))
    >>> params.shape
    (23,)
    """
    factor = ACTIVATIONS[hidden_activation].init_factor
    params = np.empty(layout.n_params, dtype=dtype)
    coefs, intercepts = layout.unpack(params)
    for W, b in zip(coefs, intercepts):
        n_in, n_out = W.shape
        bound = np.sqrt(factor / (n_in + n_out))
        W[...] = rng.uniform(-bound, bound, size=W.shape)
        b[...] = rng.uniform(-bound, bound, size=b.shape)
    return params


__all__ = ["glorot_uniform", "ParameterLayout"]
