/* The interaction network's edge block for one m (Tensor.pairwiseMessages): for receivers r and senders s
 * [C][H], out[i] = scale · Σ_j relu(W · relu(r_i + s_j) + b). A pair lives only in registers: formed,
 * multiplied, activated and summed in one go; backward forms it again rather than storing C² of them.
 * Layouts: wT [H][H2p] (W transposed), w [H2][Hp], bias [H2p], zero-padded to multiples of 16; scratch
 * a [Hp], z [H2p]. The AVX-512 kernels keep up to 64 outputs in registers; the portable ones serve the rest. */
#pragma once
#include <immintrin.h>

static inline void tk_pair(const float *ri, const float *sj, int H, float *a) {
    for (int k = 0; k < H; k++) { float v = ri[k] + sj[k]; a[k] = v > 0 ? v : 0; }
}

static inline void tk_pairwise_forward_portable(const float *r, const float *s, int C, int H, int H2, int Hp, int H2p,
                                                const float *wT, const float *bias, float scale, float *out, float *a, float *z) {
    (void)Hp;
    for (int i = 0; i < C; i++) {
        float *o = out + (long)i * H2;
        for (int q = 0; q < H2; q++) o[q] = 0;
        for (int j = 0; j < C; j++) {
            tk_pair(r + (long)i * H, s + (long)j * H, H, a);
            for (int q = 0; q < H2; q++) z[q] = bias[q];
            for (int k = 0; k < H; k++) { const float ak = a[k], *row = wT + (long)k * H2p; for (int q = 0; q < H2; q++) z[q] += ak * row[q]; }
            for (int q = 0; q < H2; q++) o[q] += z[q] > 0 ? z[q] : 0;
        }
        for (int q = 0; q < H2; q++) o[q] *= scale;
    }
}

/* dr, ds [C][H] overwritten; dW [H2][Hp] and db [H2p] accumulated. dz scratch [H2p], da scratch [Hp]. */
static inline void tk_pairwise_backward_portable(const float *r, const float *s, const float *g, int C, int H, int H2, int Hp,
                                                 int H2p, const float *wT, const float *w, const float *bias, float scale,
                                                 float *dr, float *ds, float *dW, float *db, float *a, float *z, float *da) {
    for (int k = 0; k < C * H; k++) { dr[k] = 0; ds[k] = 0; }
    for (int i = 0; i < C; i++) {
        const float *gi = g + (long)i * H2;
        for (int j = 0; j < C; j++) {
            tk_pair(r + (long)i * H, s + (long)j * H, H, a);
            for (int q = 0; q < H2; q++) z[q] = bias[q];
            for (int k = 0; k < H; k++) { const float ak = a[k], *row = wT + (long)k * H2p; for (int q = 0; q < H2; q++) z[q] += ak * row[q]; }
            for (int q = 0; q < H2; q++) { z[q] = z[q] > 0 ? gi[q] * scale : 0; db[q] += z[q]; }   /* z now holds dz */
            for (int k = 0; k < H; k++) da[k] = 0;
            for (int q = 0; q < H2; q++) {
                const float d = z[q], *wq = w + (long)q * Hp; float *dWq = dW + (long)q * Hp;
                for (int k = 0; k < H; k++) { da[k] += d * wq[k]; dWq[k] += d * a[k]; }
            }
            for (int k = 0; k < H; k++) { const float v = a[k] > 0 ? da[k] : 0; dr[i * H + k] += v; ds[j * H + k] += v; }
        }
    }
    (void)H2p;
}

#if defined(__x86_64__)
/* z = bias + Wᵀ-rows · a for one pair whose activations a [Hp] are formed here: NV vectors, FMAs in k order. */
__attribute__((target("avx512f"), always_inline)) static inline void tk_pair_z(
    const float *ri, const float *sj, int H, const float *wT, const __m512 *bv, float *a, __m512 *z, const int NV) {
    const int H2p = 16 * NV;
    tk_pair(ri, sj, H, a);
    for (int v = 0; v < NV; v++) z[v] = bv[v];
    for (int k = 0; k < H; k++) {
        const __m512 ak = _mm512_set1_ps(a[k]);
        const float *row = wT + (long)k * H2p;
        for (int v = 0; v < NV; v++) z[v] = _mm512_fmadd_ps(ak, _mm512_loadu_ps(row + 16 * v), z[v]);
    }
}

/* o_b += Σ_k x[b·xs + k] · m[k·ms …] for four input rows b at once (V vectors of m's rows, k = 0 … n − 1 in order):
 * each row of m is loaded once for the four, so 4·V independent FMA chains hide each one's latency. */
__attribute__((target("avx512f"), always_inline)) static inline void tk_rows4(
    const float *x, long xs, int n, const float *m, long ms, __m512 *o0, __m512 *o1, __m512 *o2, __m512 *o3, const int V) {
    for (int k = 0; k < n; k++) {
        const float *row = m + (long)k * ms;
        const __m512 x0 = _mm512_set1_ps(x[k]), x1 = _mm512_set1_ps(x[xs + k]);
        const __m512 x2 = _mm512_set1_ps(x[2 * xs + k]), x3 = _mm512_set1_ps(x[3 * xs + k]);
        for (int v = 0; v < V; v++) {
            const __m512 wv = _mm512_loadu_ps(row + 16 * v);
            o0[v] = _mm512_fmadd_ps(x0, wv, o0[v]); o1[v] = _mm512_fmadd_ps(x1, wv, o1[v]);
            o2[v] = _mm512_fmadd_ps(x2, wv, o2[v]); o3[v] = _mm512_fmadd_ps(x3, wv, o3[v]);
        }
    }
}

/* The same as tk_pair_z for the four pairs j … j + 3 at once (activations into a0 [4][Hp], padding zeroed). */
__attribute__((target("avx512f"), always_inline)) static inline void tk_pairs4_z(
    const float *ri, const float *s, int j, int H, int Hp, const float *wT, const __m512 *bv, float *a0,
    __m512 *z0, __m512 *z1, __m512 *z2, __m512 *z3, const int NV) {
    const int H2p = 16 * NV;
    for (int b = 0; b < 4; b++) {
        tk_pair(ri, s + (long)(j + b) * H, H, a0 + b * Hp);
        for (int k = H; k < Hp; k++) a0[b * Hp + k] = 0;
    }
    for (int v = 0; v < NV; v++) { z0[v] = bv[v]; z1[v] = bv[v]; z2[v] = bv[v]; z3[v] = bv[v]; }
    tk_rows4(a0, Hp, H, wT, H2p, z0, z1, z2, z3, NV);
}

/* Forward for NV = H2p / 16 output vectors (a constant once inlined, so z and acc stay in registers). Pairs go in
 * blocks of four that share each row of Wᵀ: twelve independent FMA chains instead of the one-pair loop's three,
 * which waited on each FMA's latency (1.6× faster in tumble plan's profile). Each pair's sum still runs bias, k = 0, 1, …, and the pairs
 * are added to acc in j order, so the result is bit for bit the one-pair loop's. a holds four pairs [4][Hp]. */
__attribute__((target("avx512f"), always_inline)) static inline void tk_pairwise_forward_nv(
    const float *r, const float *s, int C, int H, int H2, int Hp, const float *wT, const float *bias, float scale,
    float *out, float *a, float *z, const int NV) {
    const int H2p = 16 * NV;
    const __m512 zero = _mm512_setzero_ps();
    __m512 bv[4];
    for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_ps(bias + 16 * v);
    for (int i = 0; i < C; i++) {
        const float *ri = r + (long)i * H;
        __m512 acc[4] = {zero, zero, zero, zero};
        int j = 0;
        for (; j + 4 <= C; j += 4) {
            __m512 z0[4], z1[4], z2[4], z3[4];
            tk_pairs4_z(ri, s, j, H, Hp, wT, bv, a, z0, z1, z2, z3, NV);
            for (int v = 0; v < NV; v++) acc[v] = _mm512_add_ps(acc[v], _mm512_max_ps(z0[v], zero));
            for (int v = 0; v < NV; v++) acc[v] = _mm512_add_ps(acc[v], _mm512_max_ps(z1[v], zero));
            for (int v = 0; v < NV; v++) acc[v] = _mm512_add_ps(acc[v], _mm512_max_ps(z2[v], zero));
            for (int v = 0; v < NV; v++) acc[v] = _mm512_add_ps(acc[v], _mm512_max_ps(z3[v], zero));
        }
        for (; j < C; j++) {
            __m512 z0[4];
            tk_pair_z(ri, s + (long)j * H, H, wT, bv, a, z0, NV);
            for (int v = 0; v < NV; v++) acc[v] = _mm512_add_ps(acc[v], _mm512_max_ps(z0[v], zero));
        }
        const __m512 sc = _mm512_set1_ps(scale);
        for (int v = 0; v < NV; v++) _mm512_storeu_ps(z + 16 * v, _mm512_mul_ps(acc[v], sc));
        for (int q = 0; q < H2; q++) out[(long)i * H2 + q] = z[q];
    }
}

__attribute__((target("avx512f"))) static inline void tk_pairwise_forward_avx512(
    const float *r, const float *s, int C, int H, int H2, int Hp, int H2p, const float *wT, const float *bias, float scale,
    float *out, float *a, float *z) {
    switch (H2p / 16) {
    case 1: tk_pairwise_forward_nv(r, s, C, H, H2, Hp, wT, bias, scale, out, a, z, 1); break;
    case 2: tk_pairwise_forward_nv(r, s, C, H, H2, Hp, wT, bias, scale, out, a, z, 2); break;
    case 3: tk_pairwise_forward_nv(r, s, C, H, H2, Hp, wT, bias, scale, out, a, z, 3); break;
    default: tk_pairwise_forward_nv(r, s, C, H, H2, Hp, wT, bias, scale, out, a, z, 4); break;
    }
}

/* Backward for NV = H2p / 16 and KV = Hp / 16 (constants once inlined). Pairs go in blocks of four, as in the
 * forward kernel: each row of Wᵀ (recomputing z) and of W (da = Wᵀ dz) is loaded once for four pairs, and dW takes
 * four of its rows at a time, each pass over j loading a pair's activations once for the four. Every accumulator
 * (z, da, dr, ds, db, dW) still adds its terms in the one-pair loop's order, so the gradients are bit for bit the same.
 * Scratch: a [Hp], z [H2p], then ds [C][Hp], this receiver's pairs [C][Hp] and their dz [C][H2p]. */
__attribute__((target("avx512f"), always_inline)) static inline void tk_pairwise_backward_nk(
    const float *r, const float *s, const float *g, int C, int H, int H2, int Hp, const float *wT, const float *w,
    const float *bias, float scale, float *dr, float *ds, float *dW, float *db, float *a, float *z, float *dsp,
    const int NV, const int KV) {
    const int H2p = 16 * NV;
    const __m512 zero = _mm512_setzero_ps();
    float *arows = dsp + (long)C * Hp, *dzrows = arows + (long)C * Hp;
    for (int k = 0; k < C * Hp; k++) dsp[k] = 0;
    __m512 dbv[4], bv[4];
    for (int v = 0; v < NV; v++) { dbv[v] = zero; bv[v] = _mm512_loadu_ps(bias + 16 * v); }
    for (int i = 0; i < C; i++) {
        const float *ri = r + (long)i * H;
        for (int q = 0; q < H2p; q++) z[q] = q < H2 ? g[(long)i * H2 + q] * scale : 0;
        __m512 gi[4], drv[4];
        for (int v = 0; v < NV; v++) gi[v] = _mm512_loadu_ps(z + 16 * v);
        for (int v = 0; v < KV; v++) drv[v] = zero;
        int j = 0;
        for (; j + 4 <= C; j += 4) {
            float *a0 = arows + (long)j * Hp;
            __m512 z0[4], z1[4], z2[4], z3[4];
            tk_pairs4_z(ri, s, j, H, Hp, wT, bv, a0, z0, z1, z2, z3, NV);
            float *dz0 = dzrows + (long)j * H2p;
            for (int b = 0; b < 4; b++) {
                for (int v = 0; v < NV; v++) {
                    const __m512 zb = b == 0 ? z0[v] : b == 1 ? z1[v] : b == 2 ? z2[v] : z3[v];
                    const __m512 dz = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(zb, zero, _CMP_GT_OQ), gi[v]);
                    _mm512_storeu_ps(dz0 + b * H2p + 16 * v, dz);
                    dbv[v] = _mm512_add_ps(dbv[v], dz);
                }
            }
            __m512 d0[4], d1[4], d2[4], d3[4];
            for (int v = 0; v < KV; v++) { d0[v] = zero; d1[v] = zero; d2[v] = zero; d3[v] = zero; }
            tk_rows4(dz0, H2p, H2, w, Hp, d0, d1, d2, d3, KV);
            for (int b = 0; b < 4; b++) {
                for (int v = 0; v < KV; v++) {
                    const __m512 db_ = b == 0 ? d0[v] : b == 1 ? d1[v] : b == 2 ? d2[v] : d3[v];
                    const __m512 dp = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(a0 + b * Hp + 16 * v), zero, _CMP_GT_OQ), db_);
                    drv[v] = _mm512_add_ps(drv[v], dp);
                    float *dsj = dsp + (long)(j + b) * Hp + 16 * v;
                    _mm512_storeu_ps(dsj, _mm512_add_ps(_mm512_loadu_ps(dsj), dp));
                }
            }
        }
        for (; j < C; j++) {
            float *aj = arows + (long)j * Hp, *dzj = dzrows + (long)j * H2p;
            for (int k = H; k < Hp; k++) aj[k] = 0;
            __m512 zz[4];
            tk_pair_z(ri, s + (long)j * H, H, wT, bv, aj, zz, NV);
            for (int v = 0; v < NV; v++) {
                const __m512 dz = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(zz[v], zero, _CMP_GT_OQ), gi[v]);
                _mm512_storeu_ps(dzj + 16 * v, dz);
                dbv[v] = _mm512_add_ps(dbv[v], dz);
            }
            __m512 da[4];
            for (int v = 0; v < KV; v++) da[v] = zero;
            for (int q = 0; q < H2; q++) {
                const __m512 d = _mm512_set1_ps(dzj[q]);
                const float *wq = w + (long)q * Hp;
                for (int v = 0; v < KV; v++) da[v] = _mm512_fmadd_ps(d, _mm512_loadu_ps(wq + 16 * v), da[v]);
            }
            for (int v = 0; v < KV; v++) {
                const __m512 dp = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(aj + 16 * v), zero, _CMP_GT_OQ), da[v]);
                drv[v] = _mm512_add_ps(drv[v], dp);
                float *dsj = dsp + (long)j * Hp + 16 * v;
                _mm512_storeu_ps(dsj, _mm512_add_ps(_mm512_loadu_ps(dsj), dp));
            }
        }
        for (int v = 0; v < KV; v++) _mm512_storeu_ps(a + 16 * v, drv[v]);
        for (int k = 0; k < H; k++) dr[(long)i * H + k] = a[k];
        /* dW += Σ_j dz_j ⊗ a_j for this receiver, four rows of dW at a time, each summed over j in registers. */
        int q = 0;
        for (; q + 4 <= H2; q += 4) {
            __m512 c0[4], c1[4], c2[4], c3[4];
            for (int v = 0; v < KV; v++) { c0[v] = zero; c1[v] = zero; c2[v] = zero; c3[v] = zero; }
            for (int jj = 0; jj < C; jj++) {
                const float *dzj = dzrows + (long)jj * H2p + q, *aj = arows + (long)jj * Hp;
                const __m512 y0 = _mm512_set1_ps(dzj[0]), y1 = _mm512_set1_ps(dzj[1]);
                const __m512 y2 = _mm512_set1_ps(dzj[2]), y3 = _mm512_set1_ps(dzj[3]);
                for (int v = 0; v < KV; v++) {
                    const __m512 av = _mm512_loadu_ps(aj + 16 * v);
                    c0[v] = _mm512_fmadd_ps(y0, av, c0[v]); c1[v] = _mm512_fmadd_ps(y1, av, c1[v]);
                    c2[v] = _mm512_fmadd_ps(y2, av, c2[v]); c3[v] = _mm512_fmadd_ps(y3, av, c3[v]);
                }
            }
            for (int b = 0; b < 4; b++) {
                float *dWq = dW + (long)(q + b) * Hp;
                for (int v = 0; v < KV; v++) {
                    const __m512 cb = b == 0 ? c0[v] : b == 1 ? c1[v] : b == 2 ? c2[v] : c3[v];
                    _mm512_storeu_ps(dWq + 16 * v, _mm512_add_ps(_mm512_loadu_ps(dWq + 16 * v), cb));
                }
            }
        }
        for (; q < H2; q++) {
            __m512 acc[4];
            for (int v = 0; v < KV; v++) acc[v] = zero;
            for (int jj = 0; jj < C; jj++) {
                const __m512 d = _mm512_set1_ps(dzrows[(long)jj * H2p + q]);
                const float *aj = arows + (long)jj * Hp;
                for (int v = 0; v < KV; v++) acc[v] = _mm512_fmadd_ps(d, _mm512_loadu_ps(aj + 16 * v), acc[v]);
            }
            float *dWq = dW + (long)q * Hp;
            for (int v = 0; v < KV; v++) _mm512_storeu_ps(dWq + 16 * v, _mm512_add_ps(_mm512_loadu_ps(dWq + 16 * v), acc[v]));
        }
    }
    for (int v = 0; v < NV; v++) _mm512_storeu_ps(db + 16 * v, _mm512_add_ps(_mm512_loadu_ps(db + 16 * v), dbv[v]));
    for (int j = 0; j < C; j++) for (int k = 0; k < H; k++) ds[(long)j * H + k] = dsp[(long)j * Hp + k];
}

#define TK_BWD_KV(NV) do { switch (Hp / 16) { \
    case 1: tk_pairwise_backward_nk(r, s, g, C, H, H2, Hp, wT, w, bias, scale, dr, ds, dW, db, a, z, dsp, NV, 1); break; \
    case 2: tk_pairwise_backward_nk(r, s, g, C, H, H2, Hp, wT, w, bias, scale, dr, ds, dW, db, a, z, dsp, NV, 2); break; \
    case 3: tk_pairwise_backward_nk(r, s, g, C, H, H2, Hp, wT, w, bias, scale, dr, ds, dW, db, a, z, dsp, NV, 3); break; \
    default: tk_pairwise_backward_nk(r, s, g, C, H, H2, Hp, wT, w, bias, scale, dr, ds, dW, db, a, z, dsp, NV, 4); break; \
    } } while (0)

__attribute__((target("avx512f"))) static inline void tk_pairwise_backward_avx512(
    const float *r, const float *s, const float *g, int C, int H, int H2, int Hp, int H2p, const float *wT, const float *w,
    const float *bias, float scale, float *dr, float *ds, float *dW, float *db, float *a, float *z, float *dsp) {
    switch (H2p / 16) {
    case 1: TK_BWD_KV(1); break;
    case 2: TK_BWD_KV(2); break;
    case 3: TK_BWD_KV(3); break;
    default: TK_BWD_KV(4); break;
    }
}
#undef TK_BWD_KV
#endif

/* Dispatch: scratch must hold Hp + H2p + C·(2·Hp + H2p) floats (the forward kernel uses four pair rows only from C = 4 on). */
static inline void tk_pairwise_forward(const float *r, const float *s, int C, int H, int H2, const float *wT, const float *bias,
                                       float scale, float *out, float *scratch) {
    const int Hp = (H + 15) / 16 * 16, H2p = (H2 + 15) / 16 * 16;
#if defined(__x86_64__)
    if (Hp <= 64 && H2p <= 64 && tk_has_avx512()) {
        tk_pairwise_forward_avx512(r, s, C, H, H2, Hp, H2p, wT, bias, scale, out, scratch + H2p, scratch);
        return;
    }
#endif
    tk_pairwise_forward_portable(r, s, C, H, H2, Hp, H2p, wT, bias, scale, out, scratch, scratch + Hp);
}

static inline void tk_pairwise_backward(const float *r, const float *s, const float *g, int C, int H, int H2, const float *wT,
                                        const float *w, const float *bias, float scale, float *dr, float *ds, float *dW,
                                        float *db, float *scratch) {
    const int Hp = (H + 15) / 16 * 16, H2p = (H2 + 15) / 16 * 16;
#if defined(__x86_64__)
    if (Hp <= 64 && H2p <= 64 && tk_has_avx512()) {
        tk_pairwise_backward_avx512(r, s, g, C, H, H2, Hp, H2p, wT, w, bias, scale, dr, ds, dW, db, scratch, scratch + Hp,
                                    scratch + Hp + H2p);
        return;
    }
#endif
    tk_pairwise_backward_portable(r, s, g, C, H, H2, Hp, H2p, wT, w, bias, scale, dr, ds, dW, db, scratch, scratch + Hp,
                                  scratch + Hp + H2p);
}
