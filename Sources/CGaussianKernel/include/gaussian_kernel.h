#ifndef IVR_GAUSSIAN_KERNEL_H
#define IVR_GAUSSIAN_KERNEL_H

#include <stdint.h>

/// The four best Gaussians of one codebook and stream for one feature vector `x` of `dimensions`
/// coefficients. A density's log is constant[g] + Σ_d (linear[d][g] + quadratic[d][g]·x[d])·x[d]
/// (`linear` and `quadratic` stored `[dimension][density]`, `densities` a multiple of 8). Writes
/// the best log density to `offset`, the four best densities (best first) to `indices`, and each
/// one's density relative to the best (1, then ≤ 1) to `scales`. Uses AVX2 and FMA where the
/// processor has them.
void ivr_gaussian_top4(const float *x, int dimensions, const float *linear, const float *quadratic,
                       const float *constant, int densities, float *offset, int32_t *indices, float *scales);

/// The same without SIMD instructions of its own (what processors without AVX2 and FMA run).
void ivr_gaussian_top4_portable(const float *x, int dimensions, const float *linear, const float *quadratic,
                                const float *constant, int densities, float *offset, int32_t *indices, float *scales);

#endif
