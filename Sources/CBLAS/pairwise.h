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
/* Forward for NV = H2p / 16 output vectors (a constant once inlined, so z and acc stay in registers). Pairs go in
 * blocks of four that share each row of Wᵀ: twelve independent FMA chains instead of three, which hid the FMA
 * latency the one-pair loop waited on (2–3× faster). Each pair's sum still runs bias, k = 0, 1, …, and the pairs
 * are added to acc in j order, so the result is bit for bit the one-pair loop's. a holds four pairs [4][Hp]. */
__attribute__((target("avx512f"), always_inline)) static inline void tk_pairwise_forward_nv(
    const float *r, const float *s, int C, int H, int H2, int Hp, const float *wT, const float *bias, float scale,
    float *out, float *a, float *z, const int NV) {
    const int H2p = 16 * NV;
    const __m512 zero = _mm512_setzero_ps();
    for (int b = 0; b < (C >= 4 ? 4 : 1); b++) for (int k = H; k < Hp; k++) a[b * Hp + k] = 0;
    __m512 bv[4];
    for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_ps(bias + 16 * v);
    for (int i = 0; i < C; i++) {
        const float *ri = r + (long)i * H;
        __m512 acc[4] = {zero, zero, zero, zero};
        int j = 0;
        for (; j + 4 <= C; j += 4) {
            for (int b = 0; b < 4; b++) tk_pair(ri, s + (long)(j + b) * H, H, a + b * Hp);
            __m512 z0[4], z1[4], z2[4], z3[4];
            for (int v = 0; v < NV; v++) { z0[v] = bv[v]; z1[v] = bv[v]; z2[v] = bv[v]; z3[v] = bv[v]; }
            for (int k = 0; k < H; k++) {
                const float *row = wT + (long)k * H2p;
                const __m512 a0 = _mm512_set1_ps(a[k]), a1 = _mm512_set1_ps(a[Hp + k]);
                const __m512 a2 = _mm512_set1_ps(a[2 * Hp + k]), a3 = _mm512_set1_ps(a[3 * Hp + k]);
                for (int v = 0; v < NV; v++) {
                    const __m512 wv = _mm512_loadu_ps(row + 16 * v);
                    z0[v] = _mm512_fmadd_ps(a0, wv, z0[v]); z1[v] = _mm512_fmadd_ps(a1, wv, z1[v]);
                    z2[v] = _mm512_fmadd_ps(a2, wv, z2[v]); z3[v] = _mm512_fmadd_ps(a3, wv, z3[v]);
                }
            }
            for (int v = 0; v < NV; v++) acc[v] = _mm512_add_ps(acc[v], _mm512_max_ps(z0[v], zero));
            for (int v = 0; v < NV; v++) acc[v] = _mm512_add_ps(acc[v], _mm512_max_ps(z1[v], zero));
            for (int v = 0; v < NV; v++) acc[v] = _mm512_add_ps(acc[v], _mm512_max_ps(z2[v], zero));
            for (int v = 0; v < NV; v++) acc[v] = _mm512_add_ps(acc[v], _mm512_max_ps(z3[v], zero));
        }
        for (; j < C; j++) {
            tk_pair(ri, s + (long)j * H, H, a);
            __m512 z0[4];
            for (int v = 0; v < NV; v++) z0[v] = bv[v];
            for (int k = 0; k < H; k++) {
                const __m512 ak = _mm512_set1_ps(a[k]);
                const float *row = wT + (long)k * H2p;
                for (int v = 0; v < NV; v++) z0[v] = _mm512_fmadd_ps(ak, _mm512_loadu_ps(row + 16 * v), z0[v]);
            }
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

/* Four-register blocks written out: Swift compiles imported C at -Os, which keeps __m512 arrays in memory. */
#define TK_EACH4(N, STMT) do { { const int v = 0; (void)v; STMT; } if ((N) > 1) { const int v = 1; STMT; } \
                               if ((N) > 2) { const int v = 2; STMT; } if ((N) > 3) { const int v = 3; STMT; } } while (0)
#define TK_R(name) (v == 0 ? name##0 : v == 1 ? name##1 : v == 2 ? name##2 : name##3)
#define TK_SET(name, value) do { if (v == 0) name##0 = (value); else if (v == 1) name##1 = (value); \
                                 else if (v == 2) name##2 = (value); else name##3 = (value); } while (0)

__attribute__((target("avx512f"))) static inline void tk_pairwise_backward_avx512(
    const float *r, const float *s, const float *g, int C, int H, int H2, int Hp, int H2p, const float *wT, const float *w,
    const float *bias, float scale, float *dr, float *ds, float *dW, float *db, float *a, float *z, float *dsp) {
    const int nv = H2p / 16, kv = Hp / 16;
    const __m512 zero = _mm512_setzero_ps();
    float *arows = dsp + (long)C * Hp, *dzrows = arows + (long)C * Hp;   /* this receiver's pairs and their dz */
    for (int k = 0; k < C * Hp; k++) dsp[k] = 0;      /* ds, padded rows */
    __m512 db0 = zero, db1 = zero, db2 = zero, db3 = zero;
    for (int i = 0; i < C; i++) {
        for (int q = 0; q < H2p; q++) z[q] = q < H2 ? g[(long)i * H2 + q] * scale : 0;
        __m512 gi0 = zero, gi1 = zero, gi2 = zero, gi3 = zero;
        TK_EACH4(nv, TK_SET(gi, _mm512_loadu_ps(z + 16 * v)));
        __m512 dr0 = zero, dr1 = zero, dr2 = zero, dr3 = zero;
        for (int j = 0; j < C; j++) {
            float *aj = arows + (long)j * Hp, *dzj = dzrows + (long)j * H2p;
            tk_pair(r + (long)i * H, s + (long)j * H, H, aj);
            for (int k = H; k < Hp; k++) aj[k] = 0;
            __m512 zz0 = zero, zz1 = zero, zz2 = zero, zz3 = zero;
            TK_EACH4(nv, TK_SET(zz, _mm512_loadu_ps(bias + 16 * v)));
            for (int k = 0; k < H; k++) {
                const __m512 ak = _mm512_set1_ps(aj[k]);
                const float *row = wT + (long)k * H2p;
                TK_EACH4(nv, TK_SET(zz, _mm512_fmadd_ps(ak, _mm512_loadu_ps(row + 16 * v), TK_R(zz))));
            }
            TK_EACH4(nv, {
                const __m512 dz = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(TK_R(zz), zero, _CMP_GT_OQ), TK_R(gi));
                _mm512_storeu_ps(dzj + 16 * v, dz);
                TK_SET(db, _mm512_add_ps(TK_R(db), dz));
            });
            __m512 da0 = zero, da1 = zero, da2 = zero, da3 = zero;
            for (int q = 0; q < H2; q++) {
                const __m512 d = _mm512_set1_ps(dzj[q]);
                const float *wq = w + (long)q * Hp;
                TK_EACH4(kv, TK_SET(da, _mm512_fmadd_ps(d, _mm512_loadu_ps(wq + 16 * v), TK_R(da))));
            }
            TK_EACH4(kv, {
                const __m512 dp = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(aj + 16 * v), zero, _CMP_GT_OQ), TK_R(da));
                TK_SET(dr, _mm512_add_ps(TK_R(dr), dp));
                float *dsj = dsp + (long)j * Hp + 16 * v;
                _mm512_storeu_ps(dsj, _mm512_add_ps(_mm512_loadu_ps(dsj), dp));
            });
        }
        TK_EACH4(kv, _mm512_storeu_ps(a + 16 * v, TK_R(dr)));
        for (int k = 0; k < H; k++) dr[(long)i * H + k] = a[k];
        /* dW += Σ_j dz_j ⊗ a_j for this receiver, summed over j in registers. */
        for (int q = 0; q < H2; q++) {
            __m512 acc0 = zero, acc1 = zero, acc2 = zero, acc3 = zero;
            for (int j = 0; j < C; j++) {
                const __m512 d = _mm512_set1_ps(dzrows[(long)j * H2p + q]);
                const float *aj = arows + (long)j * Hp;
                TK_EACH4(kv, TK_SET(acc, _mm512_fmadd_ps(d, _mm512_loadu_ps(aj + 16 * v), TK_R(acc))));
            }
            float *dWq = dW + (long)q * Hp;
            TK_EACH4(kv, _mm512_storeu_ps(dWq + 16 * v, _mm512_add_ps(_mm512_loadu_ps(dWq + 16 * v), TK_R(acc))));
        }
    }
    TK_EACH4(nv, _mm512_storeu_ps(db + 16 * v, _mm512_add_ps(_mm512_loadu_ps(db + 16 * v), TK_R(db))));
    for (int j = 0; j < C; j++) for (int k = 0; k < H; k++) ds[(long)j * H + k] = dsp[(long)j * Hp + k];
}
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
