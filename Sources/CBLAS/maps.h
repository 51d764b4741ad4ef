/* Map kernels of the objects predictor that run on every step: the bilinear translate of [H][W][C] maps and the
 * batched transpose between [P][Q] and [Q][P] layouts. Plain C, vectorised: without Swift's overflow checks on the
 * index arithmetic, and with each channel's map made contiguous for the translate, they run several times faster.
 * FP contraction is off, so every sum is the same product-then-add sequence as in Swift, bit for bit. */
#pragma once
#include <immintrin.h>

#if defined(__x86_64__)
/* d[i][j] = s[j][i] for one 16 × 16 tile: s rows of stride sp, d rows of stride dq. */
__attribute__((target("avx512f"))) static inline void tk_transpose16(const float *s, long sp, float *d, long dq, int accumulate) {
    __m512 r[16], a[16], b[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(s + i * sp);
    for (int i = 0; i < 8; i++) {
        a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        const __m512d a0 = _mm512_castps_pd(a[4 * i]), a1 = _mm512_castps_pd(a[4 * i + 1]);
        const __m512d a2 = _mm512_castps_pd(a[4 * i + 2]), a3 = _mm512_castps_pd(a[4 * i + 3]);
        b[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
        b[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
        b[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
        b[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
    }
    for (int j = 0; j < 4; j++) {
        const __m512 t0 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0x88), t1 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0xDD);
        const __m512 u0 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0x88), u1 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0xDD);
        __m512 o[4] = {_mm512_shuffle_f32x4(t0, u0, 0x88), _mm512_shuffle_f32x4(t1, u1, 0x88),
                       _mm512_shuffle_f32x4(t0, u0, 0xDD), _mm512_shuffle_f32x4(t1, u1, 0xDD)};
        for (int l = 0; l < 4; l++) {
            float *row = d + (4 * l + j) * dq;
            _mm512_storeu_ps(row, accumulate ? _mm512_add_ps(_mm512_loadu_ps(row), o[l]) : o[l]);
        }
    }
}
#endif

/* d[i][j] = s[j][i] (or +=) for s [q][p], d [p][q]: 16 × 16 tiles in registers where AVX-512 is there, the edges
 * element by element. */
static inline void tk_transpose(const float *s, float *d, int p, int q, int accumulate) {
    int pv = 0, qv = 0;
#if defined(__x86_64__)
    if (tk_has_avx512()) {
        pv = p / 16 * 16; qv = q / 16 * 16;
        for (int i0 = 0; i0 < pv; i0 += 16)
            for (int j0 = 0; j0 < qv; j0 += 16) tk_transpose16(s + (long)j0 * p + i0, p, d + (long)i0 * q + j0, q, accumulate);
    }
#endif
    for (int i = 0; i < p; i++) {
        float *row = d + (long)i * q;
        const int from = i < pv ? qv : 0;
        if (accumulate) for (int j = from; j < q; j++) row[j] += s[(long)j * p + i];
        else for (int j = from; j < q; j++) row[j] = s[(long)j * p + i];
    }
}

/* One channel's map a [h][w] moved into b [h][w]: taps at row y + oy, column x + ox and their right and lower
 * neighbours, weights wt[0…3] = (w00, w01, w10, w11); taps outside the map count as zero (skipped). */
static inline void tk_translate_map(const float *__restrict a, float *__restrict b, int h, int w, int ox, int oy, const float *wt) {
#pragma clang fp contract(off)
    const float w00 = wt[0], w01 = wt[1], w10 = wt[2], w11 = wt[3];
    /* Columns whose both taps lie in the map. */
    int xa = -ox > 0 ? -ox : 0, xb = w - 1 - ox < w ? w - 1 - ox : w;
    if (xb < xa) xb = xa;
    if (xa > w) { xa = w; xb = w; }
    for (int y = 0; y < h; y++) {
        const int y0 = y + oy;
        const int r0 = y0 >= 0 && y0 < h, r1 = y0 + 1 >= 0 && y0 + 1 < h;
        float *out = b + (long)y * w;
        if (r0 && r1) {
            const long u = (long)y0 * w + ox, v = u + w;
            for (int x = xa; x < xb; x++) {
                float s = 0;
                s += w00 * a[u + x];
                s += w01 * a[u + x + 1];
                s += w10 * a[v + x];
                s += w11 * a[v + x + 1];
                out[x] = s;
            }
        }
        for (int x = 0; x < w; x++) {
            if (r0 && r1 && x >= xa && x < xb) { x = xb - 1; continue; }
            const int x0 = x + ox, c0 = x0 >= 0 && x0 < w, c1 = x0 + 1 >= 0 && x0 + 1 < w;
            const long t = (long)y0 * w + x0;      /* read only where the tap lies in the map */
            float s = 0;
            if (r0 && c0) s += w00 * a[t];
            if (r0 && c1) s += w01 * a[t + 1];
            if (r1 && c0) s += w10 * a[t + w];
            if (r1 && c1) s += w11 * a[t + w + 1];
            out[x] = s;
        }
    }
}

/* One sample's maps p [h][w][c] moved into o [h][w][c], channel k by (ox[k], oy[k]) with weights wts[4k…4k+3]:
 * each channel's map is made contiguous in scratch [2][c][h·w], moved there, and written back. */
static inline void tk_translate_forward(const float *p, float *o, int h, int w, int c, const int *ox, const int *oy,
                                        const float *wts, float *scratch) {
    const int hw = h * w;
    float *in = scratch, *moved = scratch + (long)c * hw;
    tk_transpose(p, in, c, hw, 0);
    for (int k = 0; k < c; k++) tk_translate_map(in + (long)k * hw, moved + (long)k * hw, h, w, ox[k], oy[k], wts + 4 * k);
    tk_transpose(moved, o, hw, c, 0);
}

/* The maps' gradient of tk_translate_map, for one channel: each source cell u gathers what the (up to four) output
 * cells that read it sent back, in the order those cells come row by row (the one reading u as its lower right tap
 * first, as its upper left last), which is the order the scatter in Translate.swift's definition adds them in. */
static inline void tk_translate_map_grad(const float *__restrict g, float *__restrict d, int h, int w, int ox, int oy, const float *wt) {
#pragma clang fp contract(off)
    const float w00 = wt[0], w01 = wt[1], w10 = wt[2], w11 = wt[3];
    /* Columns whose both readers lie in the map: ux − ox − 1 ≥ 0 and ux − ox < w. */
    int ua = ox + 1 > 0 ? ox + 1 : 0, ub = w + ox < w ? w + ox : w;
    if (ub < ua) ub = ua;
    if (ua > w) { ua = w; ub = w; }
    for (int uy = 0; uy < h; uy++) {
        const int ya = uy - oy - 1, yc = uy - oy;
        const int ra = ya >= 0 && ya < h, rc = yc >= 0 && yc < h;
        float *out = d + (long)uy * w;
        if (ra && rc) {
            const long ta = (long)ya * w - ox, tc = (long)yc * w - ox;
            for (int ux = ua; ux < ub; ux++) {
                float s = 0;
                s += w11 * g[ta + ux - 1];
                s += w10 * g[ta + ux];
                s += w01 * g[tc + ux - 1];
                s += w00 * g[tc + ux];
                out[ux] = s;
            }
        }
        for (int ux = 0; ux < w; ux++) {
            if (ra && rc && ux >= ua && ux < ub) { ux = ub - 1; continue; }
            const int xa = ux - ox - 1, xb = ux - ox;
            const int ca = xa >= 0 && xa < w, cb = xb >= 0 && xb < w;
            float s = 0;
            if (ra && ca) s += w11 * g[(long)ya * w + xa];
            if (ra && cb) s += w10 * g[(long)ya * w + xb];
            if (rc && ca) s += w01 * g[(long)yc * w + xa];
            if (rc && cb) s += w00 * g[(long)yc * w + xb];
            out[ux] = s;
        }
    }
}

/* Both gradients of one sample's translate, each where wanted (non-null): the maps' into dm [h][w][c] (overwritten)
 * and the shifts' into ds [c][2] (per channel, the sum over cells, row by row, of the output gradient times the
 * bilinear sample's slope along x and y, negated: out depends on −shift). fxy holds each channel's fractions (fx, fy).
 * Scratch: 3 · c · h · w floats. */
static inline void tk_translate_backward(const float *p, const float *g, float *dm, float *ds, int h, int w, int c,
                                         const int *ox, const int *oy, const float *wts, const float *fxy, float *scratch) {
#pragma clang fp contract(off)
    const int hw = h * w;
    float *pin = scratch, *gin = scratch + (long)c * hw, *dmk = scratch + 2 * (long)c * hw;
    tk_transpose(g, gin, c, hw, 0);
    if (ds) tk_transpose(p, pin, c, hw, 0);
    for (int k = 0; k < c; k++) {
        const float *gk = gin + (long)k * hw;
        if (dm) tk_translate_map_grad(gk, dmk + (long)k * hw, h, w, ox[k], oy[k], wts + 4 * k);
        if (!ds) continue;
        const float *a = pin + (long)k * hw, fx = fxy[2 * k], fy = fxy[2 * k + 1];
        float gx = 0, gy = 0;
        for (int y = 0; y < h; y++) {
            const int y0 = y + oy[k];
            const int r0 = y0 >= 0 && y0 < h, r1 = y0 + 1 >= 0 && y0 + 1 < h;
            for (int x = 0; x < w; x++) {
                const int x0 = x + ox[k], c0 = x0 >= 0 && x0 < w, c1 = x0 + 1 >= 0 && x0 + 1 < w;
                const long t = (long)y0 * w + x0;
                const float p00 = r0 && c0 ? a[t] : 0, p01 = r0 && c1 ? a[t + 1] : 0;
                const float p10 = r1 && c0 ? a[t + w] : 0, p11 = r1 && c1 ? a[t + w + 1] : 0;
                const float gv = gk[(long)y * w + x];
                gx -= gv * ((1 - fy) * (p01 - p00) + fy * (p11 - p10));
                gy -= gv * ((1 - fx) * (p10 - p00) + fx * (p11 - p01));
            }
        }
        ds[2 * k] = gx; ds[2 * k + 1] = gy;
    }
    if (dm) tk_transpose(dmk, dm, hw, c, 0);
}
