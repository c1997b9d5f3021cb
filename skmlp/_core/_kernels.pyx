# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled training kernels: the optimizer updates in one pass, and the
loss and gradient of a dense mini-batch in one call.

Each kernel has a NumPy twin that stays the reference, the readable form of
the math and what runs where this extension is not built:

* ``adam_update``, ``sgd_update``, ``add_scaled``: the optimizer updates of
  :mod:`skmlp._core.optimizers` and the L2 gradient of
  :func:`skmlp._core.objective.add_l2_penalty`, with the **same operations in
  the same order and the same dtype**, so the results are bitwise equal (the
  extension is compiled with ``-ffp-contract=off``: no fused multiply-adds
  that NumPy does not do);
* ``DenseNetwork``: :func:`skmlp._core.objective.loss_and_gradient` for dense
  rows without sample weights or dropout, equal up to rounding (see below).

``tests/test_kernels.py`` compares each kernel with its twin on random
shapes and dtypes.

The module is built by ``pip install .`` (``setup.py``) as the top-level
extension ``_skmlp_kernels``, so that a source checkout run in place (as the
test suite is) finds the one the install compiled. ``SOURCE_HASH`` is the
SHA-256 of this file and of ``_kernels_loops.h`` at build time;
:mod:`skmlp._core.kernels` uses the extension only when it matches the
sources beside it.

The loops that vectorise (the updates, and the bias, ReLU, derivatives and
bias gradient of the network) are in ``_kernels_loops.h``, in C, so that
GCC can build each for AVX-512, AVX2 and the x86-64 baseline at once and the
loader pick the best the CPU has (``target_clones``): the same operations in
every version, so the same results.

The update kernels take whole vectors and a range ``start:stop`` of entries
to update, and release the GIL. The caller checks that the arrays are
C-contiguous vectors of one dtype, float32 or float64, of one length.
"""

import numpy as np
cimport numpy as cnp
from cython cimport floating
from libc.float cimport DBL_EPSILON, DBL_MIN, FLT_EPSILON, FLT_MIN

cnp.import_array()

cdef extern from *:
    """
    #ifndef SKMLP_KERNELS_SOURCE_HASH
    #define SKMLP_KERNELS_SOURCE_HASH ""
    #endif
    """
    const char *SKMLP_KERNELS_SOURCE_HASH

#: SHA-256 of ``_kernels.pyx`` and ``_kernels_loops.h`` when this extension was built.
SOURCE_HASH = SKMLP_KERNELS_SOURCE_HASH.decode("ascii")


cdef extern from "_kernels_loops.h":
    float skmlp_flushed_float(float x, float tiny) noexcept nogil
    double skmlp_flushed_double(double x, double tiny) noexcept nogil
    void skmlp_adam_float(float *p, const float *g, float *m, float *v, Py_ssize_t n,
                          float beta_1, float one_minus_beta_1, float beta_2,
                          float one_minus_beta_2, float epsilon, double step_size,
                          Py_ssize_t n_decayed, float decay, Py_ssize_t n_penalized,
                          float penalty_scale, float tiny, float negligible) noexcept nogil
    void skmlp_adam_double(double *p, const double *g, double *m, double *v, Py_ssize_t n,
                           double beta_1, double one_minus_beta_1, double beta_2,
                           double one_minus_beta_2, double epsilon, double step_size,
                           Py_ssize_t n_decayed, double decay, Py_ssize_t n_penalized,
                           double penalty_scale, double tiny, double negligible) noexcept nogil
    double skmlp_squares_float(const float *x, Py_ssize_t n) noexcept nogil
    double skmlp_squares_double(const double *x, Py_ssize_t n) noexcept nogil
    void skmlp_sgd_float(float *p, const float *g, float *velocity, Py_ssize_t n,
                         float learning_rate, float momentum, int nesterov,
                         float tiny) noexcept nogil
    void skmlp_sgd_double(double *p, const double *g, double *velocity, Py_ssize_t n,
                          double learning_rate, double momentum, int nesterov,
                          double tiny) noexcept nogil
    void skmlp_add_scaled_float(float *y, const float *x, Py_ssize_t n, float scale,
                                float tiny) noexcept nogil
    void skmlp_add_scaled_double(double *y, const double *x, Py_ssize_t n, double scale,
                                 double tiny) noexcept nogil
    double skmlp_add_scaled_squares_float(float *y, const float *x, Py_ssize_t n,
                                          float scale, float tiny) noexcept nogil
    double skmlp_add_scaled_squares_double(double *y, const double *x, Py_ssize_t n,
                                           double scale, double tiny) noexcept nogil
    void skmlp_add_bias_float(float *Z, const float *b, Py_ssize_t n,
                              Py_ssize_t units) noexcept nogil
    void skmlp_add_bias_double(double *Z, const double *b, Py_ssize_t n,
                               Py_ssize_t units) noexcept nogil
    void skmlp_bias_relu_float(float *Z, const float *b, Py_ssize_t n,
                               Py_ssize_t units) noexcept nogil
    void skmlp_bias_relu_double(double *Z, const double *b, Py_ssize_t n,
                                Py_ssize_t units) noexcept nogil
    void skmlp_relu_derivative_sums_float(const float *A, float *delta, float *out,
                                          Py_ssize_t n, Py_ssize_t units) noexcept nogil
    void skmlp_relu_derivative_sums_double(const double *A, double *delta, double *out,
                                           Py_ssize_t n, Py_ssize_t units) noexcept nogil
    void skmlp_logistic_derivative_sums_float(const float *A, float *delta, float *out,
                                              Py_ssize_t n, Py_ssize_t units) noexcept nogil
    void skmlp_logistic_derivative_sums_double(const double *A, double *delta, double *out,
                                               Py_ssize_t n, Py_ssize_t units) noexcept nogil
    void skmlp_tanh_derivative_sums_float(const float *A, float *delta, float *out,
                                          Py_ssize_t n, Py_ssize_t units) noexcept nogil
    void skmlp_tanh_derivative_sums_double(const double *A, double *delta, double *out,
                                           Py_ssize_t n, Py_ssize_t units) noexcept nogil
    void skmlp_column_sums_float(const float *delta, float *out, Py_ssize_t n,
                                 Py_ssize_t units) noexcept nogil
    void skmlp_column_sums_double(const double *delta, double *out, Py_ssize_t n,
                                  Py_ssize_t units) noexcept nogil


cdef inline floating _flushed(floating x, floating tiny) noexcept nogil:
    """``x``, or 0 where ``|x|`` is below ``tiny`` (NaN stays NaN)."""
    if floating is float:
        return skmlp_flushed_float(x, tiny)
    else:
        return skmlp_flushed_double(x, tiny)


def adam_update(cnp.ndarray params, cnp.ndarray grad, cnp.ndarray m, cnp.ndarray v,
                Py_ssize_t start, Py_ssize_t stop, double beta_1, double beta_2,
                double epsilon, double step_size, Py_ssize_t n_decayed, double decay,
                double negligible, Py_ssize_t n_penalized=0, double penalty_scale=0):
    """One Adam step on entries ``start:stop``, after AdamW's decay of those
    below ``n_decayed``, with the L2 penalty's gradient added to those below
    ``n_penalized`` (never both: the caller adds it itself when it decays).

    Per entry, as :meth:`skmlp._core.optimizers.Adam.update` computes it::

        p <- p * decay                         (entries below n_decayed only)
        g <- g + p * penalty_scale, then 0 if subnormal (entries below n_penalized)
        g <- 0 where |g| < negligible
        m <- m * beta_1 + g * (1 - beta_1)
        v <- v * beta_2 + (g * g) * (1 - beta_2)
        p <- p - (m / (sqrt(v) + epsilon)) * step_size
        m, v, p <- 0 where below the smallest normal number (subnormal)

    The hyper-parameters are rounded to the dtype (``1 - beta`` from its
    float64 value, as NumPy rounds a Python float), except ``step_size``:
    the product with it is taken in float64 and rounded, as NumPy does for a
    float64 scalar.

    Parameters
    ----------
    params, grad, m, v : ndarray of shape (n_params,)
    start, stop : int
    beta_1, beta_2, epsilon, step_size, decay : float
    n_decayed : int
    negligible : float
        Gradient entries smaller in magnitude count as 0: the smallest whose
        square times ``1 - beta_2`` is a normal number.
    n_penalized : int, default=0
    penalty_scale : float, default=0
        ``alpha / n``, rounded to the dtype.
    """
    cdef Py_ssize_t n = stop - start
    n_decayed = min(max(n_decayed - start, 0), n)  # those in the range
    n_penalized = min(max(n_penalized - start, 0), n)
    if cnp.PyArray_TYPE(params) == cnp.NPY_FLOAT32:
        with nogil:
            skmlp_adam_float(<float *>cnp.PyArray_DATA(params) + start,
                  <float *>cnp.PyArray_DATA(grad) + start, <float *>cnp.PyArray_DATA(m) + start,
                  <float *>cnp.PyArray_DATA(v) + start, n, <float>beta_1, <float>(1 - beta_1),
                  <float>beta_2, <float>(1 - beta_2), <float>epsilon, step_size, n_decayed,
                  <float>decay, n_penalized, <float>penalty_scale, FLT_MIN, <float>negligible)
    else:
        with nogil:
            skmlp_adam_double(<double *>cnp.PyArray_DATA(params) + start,
                  <double *>cnp.PyArray_DATA(grad) + start, <double *>cnp.PyArray_DATA(m) + start,
                  <double *>cnp.PyArray_DATA(v) + start, n, beta_1, 1 - beta_1, beta_2,
                  1 - beta_2, epsilon, step_size, n_decayed, decay, n_penalized,
                              penalty_scale, DBL_MIN, negligible)


def sgd_update(cnp.ndarray params, cnp.ndarray grad, cnp.ndarray velocity, Py_ssize_t start,
               Py_ssize_t stop, double learning_rate, double momentum, bint nesterov):
    """One SGD step with (Nesterov) momentum on entries ``start:stop``.

    Per entry, as :meth:`skmlp._core.optimizers.SGD.update` computes it::

        s <- g * learning_rate
        p <- p - s                                (momentum == 0)
        v <- v * momentum - s; p <- p + v         (classical momentum)
        v <- v * momentum - s; p <- (p - s) + v * momentum   (Nesterov)
        p, v <- 0 where below the smallest normal number (subnormal)

    Parameters
    ----------
    params, grad, velocity : ndarray of shape (n_params,)
    start, stop : int
    learning_rate, momentum : float
        Rounded to the dtype.
    nesterov : bool
    """
    cdef Py_ssize_t n = stop - start
    if cnp.PyArray_TYPE(params) == cnp.NPY_FLOAT32:
        with nogil:
            skmlp_sgd_float(<float *>cnp.PyArray_DATA(params) + start,
                            <float *>cnp.PyArray_DATA(grad) + start,
                 <float *>cnp.PyArray_DATA(velocity) + start, n, <float>learning_rate,
                 <float>momentum, nesterov, FLT_MIN)
    else:
        with nogil:
            skmlp_sgd_double(<double *>cnp.PyArray_DATA(params) + start,
                 <double *>cnp.PyArray_DATA(grad) + start,
                 <double *>cnp.PyArray_DATA(velocity) + start, n, learning_rate, momentum,
                 nesterov, DBL_MIN)


def add_scaled(cnp.ndarray y, cnp.ndarray x, Py_ssize_t start, Py_ssize_t stop,
               double scale):
    """``y <- y + x * scale`` on entries ``start:stop`` (the L2 penalty's
    gradient), then 0 where the result is subnormal.

    Parameters
    ----------
    y, x : ndarray of shape (n,)
    start, stop : int
    scale : float
        Rounded to the dtype.
    """
    if cnp.PyArray_TYPE(y) == cnp.NPY_FLOAT32:
        with nogil:
            skmlp_add_scaled_float(<float *>cnp.PyArray_DATA(y) + start,
                                   <float *>cnp.PyArray_DATA(x) + start, stop - start,
                                   <float>scale, FLT_MIN)
    else:
        with nogil:
            skmlp_add_scaled_double(<double *>cnp.PyArray_DATA(y) + start,
                                    <double *>cnp.PyArray_DATA(x) + start, stop - start,
                                    scale, DBL_MIN)


# --------------------------------------------------------------------------
# The loss and gradient of a dense mini-batch, in one call
# --------------------------------------------------------------------------
# What skmlp._core.objective.loss_and_gradient computes with NumPy, for the
# common case (dense rows, no sample weights, no dropout), as one call: the
# matrix products by np.matmul, as in the reference (so through the BLAS
# NumPy uses: SciPy's cython_blas, a second BLAS library, would keep a second
# pool of threads spinning on the same cores), one C loop per elementwise
# step. It saves the Python and NumPy overhead of some forty calls a
# mini-batch (most of the time of a small network) and a few passes over the
# activations. The results equal
# NumPy's up to rounding: the exp, log and tanh of the C library are not
# NumPy's, and sums run in another order.

from libc.math cimport exp, expf, fabs, log, logf, log1p, log1pf, tanh, tanhf
from libc.stdlib cimport malloc, free

# out = a @ b, as the NumPy reference computes it (the same BLAS calls)
cdef object _matmul = np.matmul


#: Hidden activations the compiled network implements (names of the table
#: skmlp._core.activations.ACTIVATIONS), in the order of their codes.
HIDDEN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
#: (output activation, loss) pairs it implements (of skmlp._core.outputs.OUTPUTS).
OUTPUT_LOSSES = (("softmax", "log_loss"), ("logistic", "log_loss"),
                 ("identity", "squared_error"), ("logistic", "squared_error"))

cdef enum Hidden:
    IDENTITY, LOGISTIC, TANH, RELU

cdef enum OutputLoss:
    SOFTMAX_LOG_LOSS, LOGISTIC_LOG_LOSS, IDENTITY_SQUARED_ERROR, LOGISTIC_SQUARED_ERROR


cdef inline floating _exp(floating x) noexcept nogil:
    if floating is float:
        return expf(x)
    else:
        return exp(x)


cdef inline floating _log(floating x) noexcept nogil:
    if floating is float:
        return logf(x)
    else:
        return log(x)


cdef inline floating _log1p(floating x) noexcept nogil:
    if floating is float:
        return log1pf(x)
    else:
        return log1p(x)


cdef inline floating _tanh(floating x) noexcept nogil:
    if floating is float:
        return tanhf(x)
    else:
        return tanh(x)


cdef void _bias_hidden(floating *Z, const floating *b, Py_ssize_t n, Py_ssize_t units,
                       int hidden) noexcept nogil:
    """``Z <- f(Z + b)`` for a hidden layer: the bias, then the activation.

    The bias, ReLU and the derivatives below are C loops of
    ``_kernels_loops.h`` (vectorised for the CPU's instruction set); the
    logistic and tanh call the C library's ``exp`` and ``tanh``.
    """
    cdef Py_ssize_t i, size = n * units
    if hidden == RELU:  # the bias and ReLU in one pass
        if floating is float:
            skmlp_bias_relu_float(Z, b, n, units)
        else:
            skmlp_bias_relu_double(Z, b, n, units)
        return
    if floating is float:
        skmlp_add_bias_float(Z, b, n, units)
    else:
        skmlp_add_bias_double(Z, b, n, units)
    if hidden == LOGISTIC:
        for i in range(size):
            Z[i] = 1 / (1 + _exp(-Z[i]))
    elif hidden == TANH:
        for i in range(size):
            Z[i] = _tanh(Z[i])


cdef void _hidden_derivative_and_sums(const floating *A, floating *delta, floating *sums,
                                     Py_ssize_t n, Py_ssize_t units,
                                     int hidden) noexcept nogil:
    """``delta <- delta * f'(z)`` (``f'`` written in terms of ``A = f(z)``) and
    ``sums = delta.sum(axis=0)``, the layer's bias gradient, in one pass."""
    if hidden == LOGISTIC:
        if floating is float:
            skmlp_logistic_derivative_sums_float(A, delta, sums, n, units)
        else:
            skmlp_logistic_derivative_sums_double(A, delta, sums, n, units)
    elif hidden == TANH:
        if floating is float:
            skmlp_tanh_derivative_sums_float(A, delta, sums, n, units)
        else:
            skmlp_tanh_derivative_sums_double(A, delta, sums, n, units)
    elif hidden == RELU:
        if floating is float:
            skmlp_relu_derivative_sums_float(A, delta, sums, n, units)
        else:
            skmlp_relu_derivative_sums_double(A, delta, sums, n, units)
    else:  # identity: f' = 1
        _column_sums(delta, sums, n, units)


cdef double _output_and_delta(floating *Z, const floating *b, const floating *Y,
                              floating *delta, Py_ssize_t n, Py_ssize_t units,
                              int output_loss, floating scale, floating eps) noexcept nogil:
    """Output activations ``A = f(Z + b)`` in place, the output delta, and the
    loss (without penalty): what ``skmlp._core.outputs.OutputLoss`` computes.

    ``scale`` is ``s``, the weight of one row in the mean (divided by the
    number of outputs where the pair averages over them). Subnormal entries
    of the delta become 0 (the probability of a class the network rules out
    is often that small): it is within rounding of the reference, and keeps
    the backward products at full speed.
    """
    cdef Py_ssize_t i, j
    cdef floating z, a, y, peak, total, clipped
    cdef floating tiny = FLT_MIN if floating is float else DBL_MIN
    cdef double term, total_loss = 0, compensation = 0, running
    for i in range(n):
        if output_loss == SOFTMAX_LOG_LOSS:
            peak = Z[0] + b[0]
            for j in range(units):
                Z[j] = Z[j] + b[j]
                if Z[j] > peak:
                    peak = Z[j]
            total = 0
            for j in range(units):
                Z[j] = _exp(Z[j] - peak)
                total = total + Z[j]
            for j in range(units):
                Z[j] = Z[j] / total
        for j in range(units):
            if output_loss == SOFTMAX_LOG_LOSS:
                a = Z[j]
            else:
                z = Z[j] + b[j]
                a = z if output_loss == IDENTITY_SQUARED_ERROR else 1 / (1 + _exp(-z))
                Z[j] = a
            y = Y[j]
            if output_loss == SOFTMAX_LOG_LOSS or output_loss == LOGISTIC_LOG_LOSS:
                clipped = a if a > eps else eps
                clipped = clipped if clipped < 1 - eps else 1 - eps
                if output_loss == SOFTMAX_LOG_LOSS:
                    term = -(y * _log(clipped))
                else:
                    term = -(y * (_log(clipped) - _log1p(-clipped)) + _log1p(-clipped))
                delta[j] = _flushed((a - y) * scale, tiny)
            elif output_loss == IDENTITY_SQUARED_ERROR:
                term = 0.5 * (a - y) * (a - y)
                delta[j] = _flushed((a - y) * scale, tiny)
            else:  # logistic outputs, quadratic cost: through the derivative
                term = 0.5 * (a - y) * (a - y)
                delta[j] = _flushed((((a - y) * scale) * a) * (1 - a), tiny)
            # Neumaier's compensated sum: the loss is as exact as NumPy's
            # pairwise sum (finite-difference checks difference two losses).
            running = total_loss + term
            if fabs(total_loss) >= fabs(term):
                compensation += (total_loss - running) + term
            else:
                compensation += (term - running) + total_loss
            total_loss = running
        Z += units
        Y += units
        delta += units
    return (total_loss + compensation) * scale


cdef void _column_sums(const floating *delta, floating *out, Py_ssize_t n,
                       Py_ssize_t units) noexcept nogil:
    """``out = delta.sum(axis=0)``, adding the rows in order."""
    if floating is float:
        skmlp_column_sums_float(delta, out, n, units)
    else:
        skmlp_column_sums_double(delta, out, n, units)


cdef class DenseNetwork:
    """The loss and gradient of one network on dense mini-batches, compiled.

    Parameters
    ----------
    layer_units : sequence of int
        ``(n_features, n_hidden_1, ..., n_outputs)``.
    activations, deltas : list of ndarray of shape (capacity, n_units)
        Buffers for layers ``1..L``, C-contiguous, of one dtype (float32 or
        float64): those of :class:`skmlp._core.objective.Workspace`, which
        keeps them.
    hidden_activation : str
        One of :data:`HIDDEN_ACTIVATIONS`.
    output_activation, loss : str
        A pair of :data:`OUTPUT_LOSSES`.

    Notes
    -----
    The parameter vector is laid out as
    :class:`skmlp._core.network.ParameterLayout` lays it out: every layer's
    weights (row-major ``(n_in, n_out)``), then every layer's biases.
    """

    cdef readonly tuple layer_units
    cdef readonly Py_ssize_t capacity
    cdef int n_layers, hidden, output_loss, typenum
    cdef Py_ssize_t *units
    cdef Py_ssize_t *coef_starts
    cdef Py_ssize_t *bias_starts
    cdef Py_ssize_t n_coefs, n_params
    cdef list _buffers  # keeps the buffers alive
    cdef char **activations
    cdef char **deltas
    cdef object _params, _grad  # the vectors the views below are of
    cdef list _coefs, _coefs_t, _coef_grads  # W^l, (W^l)^T, dC/dW^l: views
    cdef Py_ssize_t _rows  # the rows the views below have
    cdef list _row_activations, _row_activations_t, _row_deltas

    def __cinit__(self, layer_units, list activations, list deltas, str hidden_activation,
                  str output_activation, str loss):
        cdef Py_ssize_t l, start = 0
        cdef cnp.ndarray buffer
        self.layer_units = tuple(int(u) for u in layer_units)
        self.n_layers = len(self.layer_units) - 1
        self.hidden = HIDDEN_ACTIVATIONS.index(hidden_activation)
        self.output_loss = OUTPUT_LOSSES.index((output_activation, loss))
        self._buffers = list(activations) + list(deltas)
        self.capacity = self._buffers[0].shape[0]
        self.typenum = cnp.PyArray_TYPE(self._buffers[0])
        if self.typenum not in (cnp.NPY_FLOAT32, cnp.NPY_FLOAT64):
            raise ValueError("the compiled network takes float32 or float64 buffers")
        for l, buffer in enumerate(self._buffers):
            if (not cnp.PyArray_IS_C_CONTIGUOUS(buffer) or cnp.PyArray_TYPE(buffer) != self.typenum
                    or buffer.shape[0] != self.capacity
                    or buffer.shape[1] != self.layer_units[l % self.n_layers + 1]):
                raise ValueError("buffers of shape (capacity, n_units) of one dtype expected")
        self.units = <Py_ssize_t *>malloc((self.n_layers + 1) * sizeof(Py_ssize_t))
        self.coef_starts = <Py_ssize_t *>malloc(self.n_layers * sizeof(Py_ssize_t))
        self.bias_starts = <Py_ssize_t *>malloc(self.n_layers * sizeof(Py_ssize_t))
        self.activations = <char **>malloc(self.n_layers * sizeof(char *))
        self.deltas = <char **>malloc(self.n_layers * sizeof(char *))
        if not (self.units and self.coef_starts and self.bias_starts and self.activations
                and self.deltas):
            raise MemoryError()
        for l in range(self.n_layers + 1):
            self.units[l] = self.layer_units[l]
        for l in range(self.n_layers):
            self.coef_starts[l] = start
            start += self.units[l] * self.units[l + 1]
        self.n_coefs = start
        for l in range(self.n_layers):
            self.bias_starts[l] = start
            start += self.units[l + 1]
        self.n_params = start
        for l in range(self.n_layers):
            self.activations[l] = <char *>cnp.PyArray_DATA(self._buffers[l])
            self.deltas[l] = <char *>cnp.PyArray_DATA(self._buffers[self.n_layers + l])

    cdef bint _takes(self, object array, Py_ssize_t rows, Py_ssize_t columns,
                     bint contiguous=True):
        """Whether ``array`` is a ``(rows, columns)`` array of the buffers'
        dtype (``columns`` < 0: a vector of ``rows`` entries), C-contiguous
        if ``contiguous``."""
        cdef cnp.ndarray a
        if not isinstance(array, cnp.ndarray):
            return False
        a = <cnp.ndarray>array
        if cnp.PyArray_TYPE(a) != self.typenum or (contiguous
                                                    and not cnp.PyArray_IS_C_CONTIGUOUS(a)):
            return False
        if columns < 0:
            return a.ndim == 1 and a.shape[0] == rows
        return a.ndim == 2 and a.shape[0] == rows and a.shape[1] == columns

    def __dealloc__(self):
        free(self.units)
        free(self.coef_starts)
        free(self.bias_starts)
        free(self.activations)
        free(self.deltas)

    def loss_and_gradient(self, X, Y, params, grad, double alpha, bint penalty_gradient=True):
        """Loss of the mini-batch ``(X, Y)`` and its gradient, written into ``grad``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
        params, grad : ndarray of shape (n_params,)
        alpha : float
            The L2 penalty's strength.
        penalty_gradient : bool, default=True
            Add the penalty's gradient to ``grad`` (its value is in the loss
            either way); False when the optimizer adds it in its own pass.

        Returns
        -------
        loss : float or None
            None, with nothing computed, unless every array is a NumPy array
            of the buffers' dtype and of its shape, with ``1 <= n_samples <=
            capacity``, and ``params`` and ``grad`` are C-contiguous (the
            caller then computes with NumPy). ``X`` may have any strides.
        """
        cdef Py_ssize_t n = X.shape[0] if isinstance(X, cnp.ndarray) else 0
        if isinstance(Y, cnp.ndarray) and not cnp.PyArray_IS_C_CONTIGUOUS(Y):
            Y = np.ascontiguousarray(Y)  # read by the C loops; X only by np.matmul
        if not (0 < n <= self.capacity and self._takes(X, n, self.units[0], False)
                and self._takes(Y, n, self.units[self.n_layers])
                and self._takes(params, self.n_params, -1)
                and self._takes(grad, self.n_params, -1)):
            return None
        if params is not self._params or grad is not self._grad:
            self._bind(params, grad)
        if n != self._rows:
            self._views_of_rows(n)
        if self.typenum == cnp.NPY_FLOAT32:
            return self._run(<float *>cnp.PyArray_DATA(X), <float *>cnp.PyArray_DATA(Y),
                             <float *>cnp.PyArray_DATA(params), <float *>cnp.PyArray_DATA(grad),
                             X, n, alpha, penalty_gradient)
        return self._run(<double *>cnp.PyArray_DATA(X), <double *>cnp.PyArray_DATA(Y),
                         <double *>cnp.PyArray_DATA(params), <double *>cnp.PyArray_DATA(grad),
                         X, n, alpha, penalty_gradient)

    cdef _bind(self, cnp.ndarray params, cnp.ndarray grad):
        """Per-layer views of the parameter and gradient vectors."""
        cdef int l
        self._coefs, self._coefs_t, self._coef_grads = [], [], []
        for l in range(self.n_layers):
            shape = (self.units[l], self.units[l + 1])
            start, stop = self.coef_starts[l], self.coef_starts[l] + shape[0] * shape[1]
            self._coefs.append(params[start:stop].reshape(shape))
            self._coefs_t.append(self._coefs[l].T)
            self._coef_grads.append(grad[start:stop].reshape(shape))
        self._params, self._grad = params, grad

    cdef _views_of_rows(self, Py_ssize_t n):
        """Views of the first ``n`` rows of the buffers (and their transposes)."""
        self._row_activations = [b[:n] for b in self._buffers[:self.n_layers]]
        self._row_activations_t = [a.T for a in self._row_activations]
        self._row_deltas = [b[:n] for b in self._buffers[self.n_layers:]]
        self._rows = n

    cdef double _run(self, floating *X, floating *Y, floating *params, floating *grad,
                     object X_array, Py_ssize_t n, double alpha, bint penalty_gradient):
        cdef int l, last = self.n_layers - 1
        cdef Py_ssize_t n_in
        cdef floating eps = FLT_EPSILON if floating is float else DBL_EPSILON
        cdef double value, squares, scale = 1.0 / n
        if self.output_loss == IDENTITY_SQUARED_ERROR and self.units[self.n_layers] != 1:
            scale = scale * (1.0 / self.units[self.n_layers])  # averaged over the outputs
        # Forward: z^{l+1} = a^l W + b, a^{l+1} = f(z^{l+1}).
        for l in range(self.n_layers):
            _matmul(X_array if l == 0 else self._row_activations[l - 1], self._coefs[l],
                    self._row_activations[l])
            if l < last:
                with nogil:
                    _bias_hidden(<floating *>self.activations[l], params + self.bias_starts[l],
                                 n, self.units[l + 1], self.hidden)
        with nogil:
            value = _output_and_delta(
                <floating *>self.activations[last], params + self.bias_starts[last], Y,
                <floating *>self.deltas[last], n, self.units[self.n_layers], self.output_loss,
                <floating>scale, eps)
        # Backward: dC/dW = a^T delta, dC/db = sum_i delta_i,
        # delta^{l-1} = (delta^l W^T) * f'(z^{l-1}).
        with nogil:  # the output layer's bias gradient (the hidden ones below)
            _column_sums(<floating *>self.deltas[last], grad + self.bias_starts[last], n,
                         self.units[self.n_layers])
        for l in range(last, -1, -1):
            n_in = self.units[l]
            _matmul(X_array.T if l == 0 else self._row_activations_t[l - 1],
                    self._row_deltas[l], self._coef_grads[l])
            if l > 0:
                _matmul(self._row_deltas[l], self._coefs_t[l], self._row_deltas[l - 1])
                with nogil:  # delta^{l-1} and its bias gradient, in one pass
                    _hidden_derivative_and_sums(
                        <floating *>self.activations[l - 1], <floating *>self.deltas[l - 1],
                        grad + self.bias_starts[l - 1], n, n_in, self.hidden)
        if alpha != 0:
            # alpha / (2 n) ||W||^2 and (unless the optimizer adds it) its
            # gradient alpha / n W, in one pass
            with nogil:
                if floating is float:
                    if penalty_gradient:
                        squares = skmlp_add_scaled_squares_float(grad, params, self.n_coefs,
                                                                 <float>(alpha / n), FLT_MIN)
                    else:
                        squares = skmlp_squares_float(params, self.n_coefs)
                else:
                    if penalty_gradient:
                        squares = skmlp_add_scaled_squares_double(grad, params, self.n_coefs,
                                                                  alpha / n, DBL_MIN)
                    else:
                        squares = skmlp_squares_double(params, self.n_coefs)
            value += 0.5 * alpha * squares / n
        return value
