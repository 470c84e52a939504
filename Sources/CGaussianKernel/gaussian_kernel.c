// The inner loop of the acoustic check (IVRSpeech's SenoneScorer): every Gaussian of a codebook
// and its four best. In C for one reason: the AVX2 and FMA instructions, chosen at run time
// (the Swift build targets baseline x86-64, four floats wide and no fused multiply-add).
#include "gaussian_kernel.h"

#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Keeps `score` of density `index` among the four best (`best` highest first).
static inline void keep(float score, int32_t index, float best[4], int32_t kept[4]) {
    if (score <= best[3]) return;
    int slot = 3;
    while (slot > 0 && score > best[slot - 1]) {
        best[slot] = best[slot - 1];
        kept[slot] = kept[slot - 1];
        slot--;
    }
    best[slot] = score;
    kept[slot] = index;
}

static inline void finish(const float best[4], const int32_t kept[4], float *offset, int32_t *indices, float *scales) {
    *offset = best[0];
    for (int i = 0; i < 4; i++) {
        indices[i] = kept[i];
        scales[i] = i == 0 ? 1.0f : expf(best[i] - best[0]);
    }
}

void ivr_gaussian_top4_portable(const float *x, int dimensions, const float *linear, const float *quadratic,
                          const float *constant, int densities, float *offset, int32_t *indices, float *scales) {
    float best[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    int32_t kept[4] = {0, 0, 0, 0};
    for (int start = 0; start < densities; start += 8) {
        float sum[8];
        for (int g = 0; g < 8; g++) sum[g] = constant[start + g];
        for (int d = 0; d < dimensions; d++) {
            const float *b = linear + d * densities + start, *a = quadratic + d * densities + start;
            for (int g = 0; g < 8; g++) sum[g] += (b[g] + a[g] * x[d]) * x[d];
        }
        for (int g = 0; g < 8; g++) keep(sum[g], start + g, best, kept);
    }
    finish(best, kept, offset, indices, scales);
}

#if defined(__x86_64__)
/// 32 densities at a time (four independent sums keep both FMA units busy), all of them stored;
/// then a floor that the four best cannot be below (the fourth highest of the eight lanes'
/// maxima: four distinct densities reach it), and only the densities above it are sorted in.
__attribute__((target("avx2,fma")))
static void top4_avx2(const float *x, int dimensions, const float *linear, const float *quadratic,
                      const float *constant, int densities, float *offset, int32_t *indices, float *scales) {
    if (densities > 1024 || densities % 32) {
        ivr_gaussian_top4_portable(x, dimensions, linear, quadratic, constant, densities, offset, indices, scales);
        return;
    }
    float sums[1024] __attribute__((aligned(32)));
    __m256 lanes = _mm256_set1_ps(-INFINITY);
    for (int start = 0; start < densities; start += 32) {
        __m256 s0 = _mm256_loadu_ps(constant + start), s1 = _mm256_loadu_ps(constant + start + 8);
        __m256 s2 = _mm256_loadu_ps(constant + start + 16), s3 = _mm256_loadu_ps(constant + start + 24);
#pragma GCC unroll 16
        for (int d = 0; d < dimensions; d++) {
            const __m256 xd = _mm256_set1_ps(x[d]);
            const float *b = linear + d * densities + start, *a = quadratic + d * densities + start;
            s0 = _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_loadu_ps(a), xd, _mm256_loadu_ps(b)), xd, s0);
            s1 = _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_loadu_ps(a + 8), xd, _mm256_loadu_ps(b + 8)), xd, s1);
            s2 = _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_loadu_ps(a + 16), xd, _mm256_loadu_ps(b + 16)), xd, s2);
            s3 = _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_loadu_ps(a + 24), xd, _mm256_loadu_ps(b + 24)), xd, s3);
        }
        _mm256_store_ps(sums + start, s0);
        _mm256_store_ps(sums + start + 8, s1);
        _mm256_store_ps(sums + start + 16, s2);
        _mm256_store_ps(sums + start + 24, s3);
        lanes = _mm256_max_ps(lanes, _mm256_max_ps(_mm256_max_ps(s0, s1), _mm256_max_ps(s2, s3)));
    }
    float maxima[8] __attribute__((aligned(32)));
    _mm256_store_ps(maxima, lanes);
    float highest[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    int32_t unused[4];
    for (int lane = 0; lane < 8; lane++) keep(maxima[lane], lane, highest, unused);
    const __m256 floor = _mm256_set1_ps(highest[3]);
    float best[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    int32_t kept[4] = {0, 0, 0, 0};
    for (int start = 0; start < densities; start += 8) {
        int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_load_ps(sums + start), floor, _CMP_GE_OQ));
        while (mask) {
            int g = __builtin_ctz(mask);
            mask &= mask - 1;
            keep(sums[start + g], start + g, best, kept);
        }
    }
    finish(best, kept, offset, indices, scales);
}
#endif

typedef void (*top4_function)(const float *, int, const float *, const float *, const float *, int, float *, int32_t *, float *);

static top4_function function = ivr_gaussian_top4_portable;

/// Chooses the kernel once, when the library is loaded.
__attribute__((constructor)) static void choose(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) function = top4_avx2;
#endif
}

void ivr_gaussian_top4(const float *x, int dimensions, const float *linear, const float *quadratic,
                       const float *constant, int densities, float *offset, int32_t *indices, float *scales) {
    function(x, dimensions, linear, quadratic, constant, densities, offset, indices, scales);
}
