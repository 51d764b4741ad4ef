/* Hand-written AVX-512 kernels for the one place OpenBLAS is weak here: convolutions whose patch is short
 * (the RGB input layer: 4·4·3 = 48 values per output pixel), where im2col + sgemm spends more time packing
 * and copying than multiplying. Each kernel works on one zero-padded NHWC image; Swift splits images over
 * the cores and falls back to im2col + sgemm when tk_has_avx512() is 0. Static inline so they compile with
 * the Swift module (no separate C target); the target attribute confines AVX-512 to these functions. */
#pragma once
#include <immintrin.h>
#include <string.h>

static inline int tk_has_avx512(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

#if defined(__x86_64__)
/* P output pixels × NB·16 output channels, accumulated in P·NB zmm registers. */
#define TK_CONV_FWD(NB, P)                                                                                   \
__attribute__((target("avx512f"))) static inline void tk_conv_fwd_##NB(                                    \
    const float *xp, int Wp, int C, int kh, int kw, int s, int OH, int OW,                                 \
    const float *wt, const float *bias, int relu, float *y) {                                               \
    const int cout = NB * 16, seg = kw * C;                                                                 \
    const __m512 zero = _mm512_setzero_ps();                                                                \
    for (int oy = 0; oy < OH; oy++) {                                                                       \
        int ox = 0;                                                                                         \
        for (; ox + P <= OW; ox += P) {                                                                     \
            __m512 a[P][NB];                                                                                \
            for (int p = 0; p < P; p++) for (int b = 0; b < NB; b++) a[p][b] = _mm512_loadu_ps(bias + 16 * b); \
            for (int ky = 0; ky < kh; ky++) {                                                               \
                const float *row = xp + ((long)(oy * s + ky) * Wp + (long)ox * s) * C;                      \
                const float *w = wt + (long)ky * seg * cout;                                                \
                for (int j = 0; j < seg; j++) {                                                             \
                    __m512 wv[NB];                                                                          \
                    for (int b = 0; b < NB; b++) wv[b] = _mm512_loadu_ps(w + j * cout + 16 * b);            \
                    for (int p = 0; p < P; p++) {                                                           \
                        __m512 v = _mm512_set1_ps(row[p * s * C + j]);                                      \
                        for (int b = 0; b < NB; b++) a[p][b] = _mm512_fmadd_ps(v, wv[b], a[p][b]);          \
                    }                                                                                       \
                }                                                                                           \
            }                                                                                               \
            for (int p = 0; p < P; p++) {                                                                   \
                float *o = y + ((long)oy * OW + ox + p) * cout;                                             \
                for (int b = 0; b < NB; b++) _mm512_storeu_ps(o + 16 * b, relu ? _mm512_max_ps(a[p][b], zero) : a[p][b]); \
            }                                                                                               \
        }                                                                                                   \
        for (; ox < OW; ox++) {                                                                             \
            __m512 a[NB];                                                                                   \
            for (int b = 0; b < NB; b++) a[b] = _mm512_loadu_ps(bias + 16 * b);                             \
            for (int ky = 0; ky < kh; ky++) {                                                               \
                const float *row = xp + ((long)(oy * s + ky) * Wp + (long)ox * s) * C;                      \
                const float *w = wt + (long)ky * seg * cout;                                                \
                for (int j = 0; j < seg; j++) {                                                             \
                    __m512 v = _mm512_set1_ps(row[j]);                                                      \
                    for (int b = 0; b < NB; b++) a[b] = _mm512_fmadd_ps(v, _mm512_loadu_ps(w + j * cout + 16 * b), a[b]); \
                }                                                                                           \
            }                                                                                               \
            float *o = y + ((long)oy * OW + ox) * cout;                                                     \
            for (int b = 0; b < NB; b++) _mm512_storeu_ps(o + 16 * b, relu ? _mm512_max_ps(a[b], zero) : a[b]); \
        }                                                                                                   \
    }                                                                                                       \
}

/* Weight gradient, transposed: dwT[k][o] += Σ_pixels dz[pixel][o] · patch(pixel)[k], patch values taken 8 at
 * a time (8·NB accumulators) from each kernel row's contiguous kw·C segment of the padded image. */
#define TK_CONV_DW(NB)                                                                                       \
__attribute__((target("avx512f"))) static inline void tk_conv_dw_##NB(                                      \
    const float *xp, int Wp, int C, int kh, int kw, int s, int OH, int OW,                                 \
    const float *dz, float *dwT) {                                                                          \
    const int cout = NB * 16, seg = kw * C;                                                                 \
    for (int ky = 0; ky < kh; ky++) {                                                                       \
        for (int j0 = 0; j0 < seg; j0 += 8) {                                                               \
            const int cnt = seg - j0 < 8 ? seg - j0 : 8;                                                    \
            __m512 a[8][NB];                                                                                \
            for (int j = 0; j < 8; j++) for (int b = 0; b < NB; b++) a[j][b] = _mm512_setzero_ps();         \
            for (int oy = 0; oy < OH; oy++) {                                                               \
                const float *row = xp + (long)(oy * s + ky) * Wp * C + j0;                                  \
                const float *g = dz + (long)oy * OW * cout;                                                 \
                for (int ox = 0; ox < OW; ox++) {                                                           \
                    __m512 gv[NB];                                                                          \
                    for (int b = 0; b < NB; b++) gv[b] = _mm512_loadu_ps(g + (long)ox * cout + 16 * b);     \
                    const float *px = row + (long)ox * s * C;                                               \
                    if (cnt == 8) {                                                                         \
                        for (int j = 0; j < 8; j++) {                                                       \
                            __m512 v = _mm512_set1_ps(px[j]);                                               \
                            for (int b = 0; b < NB; b++) a[j][b] = _mm512_fmadd_ps(v, gv[b], a[j][b]);      \
                        }                                                                                   \
                    } else {                                                                                \
                        for (int j = 0; j < 8; j++) if (j < cnt) {                                          \
                            __m512 v = _mm512_set1_ps(px[j]);                                               \
                            for (int b = 0; b < NB; b++) a[j][b] = _mm512_fmadd_ps(v, gv[b], a[j][b]);      \
                        }                                                                                   \
                    }                                                                                       \
                }                                                                                           \
            }                                                                                               \
            for (int j = 0; j < cnt; j++) {                                                                 \
                float *d = dwT + (long)(ky * seg + j0 + j) * cout;                                          \
                for (int b = 0; b < NB; b++) _mm512_storeu_ps(d + 16 * b, _mm512_add_ps(_mm512_loadu_ps(d + 16 * b), a[j][b])); \
            }                                                                                               \
        }                                                                                                   \
    }                                                                                                       \
}

TK_CONV_FWD(1, 12)
TK_CONV_FWD(2, 8)
TK_CONV_FWD(4, 4)
TK_CONV_DW(1)
TK_CONV_DW(2)
#endif

/* Forward for one padded image xp [Hp][Wp][C] (Hp, Wp include the padding): y [OH][OW][cout] =
 * act(bias + Σ xp·w) with wt laid out [kh][kw][C][cout]. cout must be 16, 32 or 64. Returns 0 if unsupported. */
static inline int tk_conv_direct_forward(const float *xp, int Wp, int C, int kh, int kw, int stride, int OH, int OW,
                                         const float *wt, int cout, const float *bias, int relu, float *y) {
#if defined(__x86_64__)
    switch (cout) {
    case 16: tk_conv_fwd_1(xp, Wp, C, kh, kw, stride, OH, OW, wt, bias, relu, y); return 1;
    case 32: tk_conv_fwd_2(xp, Wp, C, kh, kw, stride, OH, OW, wt, bias, relu, y); return 1;
    case 64: tk_conv_fwd_4(xp, Wp, C, kh, kw, stride, OH, OW, wt, bias, relu, y); return 1;
    }
#endif
    return 0;
}

/* Weight gradient for one padded image: dwT [kh·kw·C][cout] += patchesᵀ · dz, dz [OH][OW][cout].
 * cout must be 16 or 32. Returns 0 if unsupported. */
static inline int tk_conv_direct_weight_grad(const float *xp, int Wp, int C, int kh, int kw, int stride, int OH, int OW,
                                             const float *dz, int cout, float *dwT) {
#if defined(__x86_64__)
    switch (cout) {
    case 16: tk_conv_dw_1(xp, Wp, C, kh, kw, stride, OH, OW, dz, dwT); return 1;
    case 32: tk_conv_dw_2(xp, Wp, C, kh, kw, stride, OH, OW, dz, dwT); return 1;
    }
#endif
    return 0;
}
