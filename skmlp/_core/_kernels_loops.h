/* The loops of the kernels of _kernels.pyx that vectorise (the optimizer
 * updates, the L2 gradient, and the bias, ReLU, derivatives and bias
 * gradient of the compiled network), in C, so that each can be compiled for
 * several x86-64 instruction sets at once (GCC's target_clones: AVX-512, AVX2
 * and the baseline; the loader picks the best the CPU has). Every version
 * does the same IEEE operations in the same order (the extension is compiled
 * with -ffp-contract=off: no fused multiply-adds), so all give the same
 * results; the optimizer updates equal the NumPy reference of optimizers.py
 * bit for bit. Elsewhere (other compilers or platforms) the baseline version
 * alone is built.
 */
#ifndef SKMLP_KERNELS_LOOPS_H
#define SKMLP_KERNELS_LOOPS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* SKMLP_NO_CLONES builds the baseline version alone, as other compilers and
 * platforms do (tests/test_kernels.py compiles the header both ways). */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8 && defined(__x86_64__) \
    && defined(__linux__) && !defined(SKMLP_NO_CLONES)
#define SKMLP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SKMLP_CLONES
#endif

/* x, or +0 where |x| is below tiny (NaN and infinities stay), without a
 * branch: the magnitudes of IEEE numbers order as their bit patterns, so one
 * integer comparison makes a mask, which vectorises (a floating-point
 * conditional kept the loops scalar). */
static inline float skmlp_flushed_float(float x, float tiny) {
    int32_t bits, limit;
    memcpy(&bits, &x, sizeof bits);
    memcpy(&limit, &tiny, sizeof limit);
    bits &= -(int32_t)((bits & 0x7fffffff) >= (limit & 0x7fffffff));
    memcpy(&x, &bits, sizeof x);
    return x;
}

static inline double skmlp_flushed_double(double x, double tiny) {
    int64_t bits, limit;
    memcpy(&bits, &x, sizeof bits);
    memcpy(&limit, &tiny, sizeof limit);
    bits &= -(int64_t)((bits & 0x7fffffffffffffffLL) >= (limit & 0x7fffffffffffffffLL));
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* Adam (see adam_update in _kernels.pyx): the decay of p[:n_decayed], then
 * per entry the step, the product with step_size in double; the L2
 * penalty's gradient p * penalty_scale is added to g first for the entries
 * below n_penalized (then flushed, as add_scaled does). */
#define SKMLP_ADAM_ENTRY(T, SQRT, FLUSH, i, G)                                         \
    do {                                                                               \
        T gradient = FLUSH(G, negligible);                                             \
        T m_i = m[i] * beta_1 + gradient * one_minus_beta_1;                           \
        T v_i = v[i] * beta_2 + (gradient * gradient) * one_minus_beta_2;              \
        T p_i = p[i] - (T)((m_i / (SQRT(v_i) + epsilon)) * step_size);                 \
        m[i] = FLUSH(m_i, tiny);                                                       \
        v[i] = FLUSH(v_i, tiny);                                                       \
        p[i] = FLUSH(p_i, tiny);                                                       \
    } while (0)

#define SKMLP_ADAM(NAME, T, SQRT, FLUSH)                                              \
    SKMLP_CLONES static void NAME(                                                   \
        T *p, const T *g, T *m, T *v, ptrdiff_t n, T beta_1, T one_minus_beta_1,     \
        T beta_2, T one_minus_beta_2, T epsilon, double step_size,                   \
        ptrdiff_t n_decayed, T decay, ptrdiff_t n_penalized, T penalty_scale,        \
        T tiny, T negligible) {                                                      \
        for (ptrdiff_t i = 0; i < n_decayed; i++) p[i] = p[i] * decay;               \
        for (ptrdiff_t i = 0; i < n_penalized; i++)                                  \
            SKMLP_ADAM_ENTRY(T, SQRT, FLUSH, i, FLUSH(g[i] + p[i] * penalty_scale, tiny)); \
        for (ptrdiff_t i = n_penalized; i < n; i++)                                  \
            SKMLP_ADAM_ENTRY(T, SQRT, FLUSH, i, g[i]);                               \
    }

SKMLP_ADAM(skmlp_adam_float, float, sqrtf, skmlp_flushed_float)
SKMLP_ADAM(skmlp_adam_double, double, sqrt, skmlp_flushed_double)

/* SGD with (Nesterov) momentum (see sgd_update in _kernels.pyx): one loop per
 * case, the branches outside them. */
#define SKMLP_SGD(NAME, T, FLUSH)                                                    \
    SKMLP_CLONES static void NAME(T *p, const T *g, T *velocity, ptrdiff_t n,        \
                                  T learning_rate, T momentum, int nesterov,         \
                                  T tiny) {                                          \
        if (momentum == 0) {                                                         \
            for (ptrdiff_t i = 0; i < n; i++)                                        \
                p[i] = FLUSH(p[i] - g[i] * learning_rate, tiny);                     \
        } else if (nesterov) {                                                       \
            for (ptrdiff_t i = 0; i < n; i++) {                                      \
                T s = g[i] * learning_rate;                                          \
                T v_i = velocity[i] * momentum - s;                                  \
                p[i] = FLUSH((p[i] - s) + v_i * momentum, tiny);                     \
                velocity[i] = FLUSH(v_i, tiny);                                      \
            }                                                                        \
        } else {                                                                     \
            for (ptrdiff_t i = 0; i < n; i++) {                                      \
                T v_i = velocity[i] * momentum - g[i] * learning_rate;               \
                p[i] = FLUSH(p[i] + v_i, tiny);                                      \
                velocity[i] = FLUSH(v_i, tiny);                                      \
            }                                                                        \
        }                                                                            \
    }

SKMLP_SGD(skmlp_sgd_float, float, skmlp_flushed_float)
SKMLP_SGD(skmlp_sgd_double, double, skmlp_flushed_double)

/* y <- y + x * scale, then +0 where subnormal (the L2 penalty's gradient). */
#define SKMLP_ADD_SCALED(NAME, T, FLUSH)                                             \
    SKMLP_CLONES static void NAME(T *y, const T *x, ptrdiff_t n, T scale, T tiny) {  \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = FLUSH(y[i] + x[i] * scale, tiny);   \
    }

SKMLP_ADD_SCALED(skmlp_add_scaled_float, float, skmlp_flushed_float)
SKMLP_ADD_SCALED(skmlp_add_scaled_double, double, skmlp_flushed_double)

/* sum_i x_i^2 in double: eight partial sums, one per vector lane. */
#define SKMLP_SQUARES(NAME, T)                                                       \
    SKMLP_CLONES static double NAME(const T *x, ptrdiff_t n) {                       \
        double partial[8] = {0, 0, 0, 0, 0, 0, 0, 0}, total = 0;                     \
        ptrdiff_t i = 0;                                                             \
        for (; i + 8 <= n; i += 8)                                                   \
            for (int k = 0; k < 8; k++) partial[k] += (double)x[i + k] * (double)x[i + k]; \
        for (; i < n; i++) total += (double)x[i] * (double)x[i];                     \
        for (int k = 0; k < 8; k++) total += partial[k];                             \
        return total;                                                                \
    }

SKMLP_SQUARES(skmlp_squares_float, float)
SKMLP_SQUARES(skmlp_squares_double, double)

/* The same, returning sum_i x_i^2 in double (the L2 penalty's value, in the
 * same pass): eight partial sums, one per vector lane, added at the end. */
#define SKMLP_ADD_SCALED_SQUARES(NAME, T, FLUSH)                                     \
    SKMLP_CLONES static double NAME(T *y, const T *x, ptrdiff_t n, T scale, T tiny) { \
        double partial[8] = {0, 0, 0, 0, 0, 0, 0, 0}, total = 0;                     \
        ptrdiff_t i = 0;                                                             \
        for (; i + 8 <= n; i += 8)                                                   \
            for (int k = 0; k < 8; k++) {                                            \
                partial[k] += (double)x[i + k] * (double)x[i + k];                   \
                y[i + k] = FLUSH(y[i + k] + x[i + k] * scale, tiny);                 \
            }                                                                        \
        for (; i < n; i++) {                                                         \
            total += (double)x[i] * (double)x[i];                                    \
            y[i] = FLUSH(y[i] + x[i] * scale, tiny);                                 \
        }                                                                            \
        for (int k = 0; k < 8; k++) total += partial[k];                             \
        return total;                                                                \
    }

SKMLP_ADD_SCALED_SQUARES(skmlp_add_scaled_squares_float, float, skmlp_flushed_float)
SKMLP_ADD_SCALED_SQUARES(skmlp_add_scaled_squares_double, double, skmlp_flushed_double)

/* The elementwise steps of the compiled network (DenseNetwork in
 * _kernels.pyx) that vectorise: the bias and the bias gradient here; the
 * bias with ReLU, and each derivative with its bias gradient, below. */
#define SKMLP_NETWORK_LOOPS(SUFFIX, T)                                               \
    /* Z[i, j] += b[j] */                                                            \
    SKMLP_CLONES static void skmlp_add_bias_##SUFFIX(T *Z, const T *b, ptrdiff_t n,  \
                                                     ptrdiff_t units) {              \
        for (ptrdiff_t i = 0; i < n; i++, Z += units)                                \
            for (ptrdiff_t j = 0; j < units; j++) Z[j] = Z[j] + b[j];                \
    }                                                                                \
    /* out[j] = sum over the rows i of delta[i, j], in row order */                  \
    SKMLP_CLONES static void skmlp_column_sums_##SUFFIX(const T *delta, T *out,      \
                                                        ptrdiff_t n, ptrdiff_t units) { \
        for (ptrdiff_t j = 0; j < units; j++) out[j] = 0;                            \
        for (ptrdiff_t i = 0; i < n; i++, delta += units)                            \
            for (ptrdiff_t j = 0; j < units; j++) out[j] = out[j] + delta[j];        \
    }

SKMLP_NETWORK_LOOPS(float, float)
SKMLP_NETWORK_LOOPS(double, double)

/* z <- max(z + b, 0), keeping NaN: the bias and ReLU in one pass. */
#define SKMLP_BIAS_RELU(SUFFIX, T)                                                   \
    SKMLP_CLONES static void skmlp_bias_relu_##SUFFIX(T *Z, const T *b, ptrdiff_t n, \
                                                      ptrdiff_t units) {             \
        for (ptrdiff_t i = 0; i < n; i++, Z += units)                                \
            for (ptrdiff_t j = 0; j < units; j++) {                                  \
                T z = Z[j] + b[j];                                                   \
                Z[j] = z < 0 ? 0 : z;                                                \
            }                                                                        \
    }

SKMLP_BIAS_RELU(float, float)
SKMLP_BIAS_RELU(double, double)

/* A hidden layer's delta times the activation's derivative, written in
 * terms of A = f(z) as activations.py writes it, and its column sums (the
 * bias gradient, rows added in order), in one pass over the delta. */
#define SKMLP_DERIVATIVE_SUMS(NAME, T, DERIVED)                                      \
    SKMLP_CLONES static void NAME(const T *A, T *delta, T *out, ptrdiff_t n,         \
                                  ptrdiff_t units) {                                 \
        for (ptrdiff_t j = 0; j < units; j++) out[j] = 0;                            \
        for (ptrdiff_t i = 0; i < n; i++, A += units, delta += units)                \
            for (ptrdiff_t j = 0; j < units; j++) {                                  \
                T d = DERIVED;                                                       \
                delta[j] = d;                                                        \
                out[j] = out[j] + d;                                                 \
            }                                                                        \
    }

SKMLP_DERIVATIVE_SUMS(skmlp_relu_derivative_sums_float, float,
                      delta[j] * (A[j] > 0 ? (float)1 : (float)0))
SKMLP_DERIVATIVE_SUMS(skmlp_relu_derivative_sums_double, double,
                      delta[j] * (A[j] > 0 ? (double)1 : (double)0))
SKMLP_DERIVATIVE_SUMS(skmlp_logistic_derivative_sums_float, float,
                      (delta[j] * A[j]) * (1 - A[j]))
SKMLP_DERIVATIVE_SUMS(skmlp_logistic_derivative_sums_double, double,
                      (delta[j] * A[j]) * (1 - A[j]))
SKMLP_DERIVATIVE_SUMS(skmlp_tanh_derivative_sums_float, float,
                      delta[j] * (1 - A[j] * A[j]))
SKMLP_DERIVATIVE_SUMS(skmlp_tanh_derivative_sums_double, double,
                      delta[j] * (1 - A[j] * A[j]))

#endif
