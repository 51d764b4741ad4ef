/* Map kernels of the objects predictor that run on every step: the bilinear and cubic translates of [H][W][C] maps and the
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

/* The four-tap cubic translates: tap rows and columns j = −1…2 around (y + oy, x + ox), weighted per axis by the
 * cubic w(f) whose mean is f, whose spread about f is v (cells²) and whose third moment about f is zero:
 * w = ((1 − f)(3v + f² − 2f) / 6, (3vf − 2v + f³ − 2f² − f + 2) / 2, −(3vf − v + f³ − f² − 2f) / 2, f(3v + f² − 1) / 6).
 * v = 0 is cubic Lagrange interpolation (no blur to third order, small negative side weights); v = 1/3 the uniform
 * cubic B-spline (the least spread with no negative weight). Why: bilinear weights (1 − f, f) skew a map moved by a
 * fraction of a cell towards the nearer cell, so after a few such moves its peak trails its centroid and an L2
 * comparison with the frames it should match finds it a step late; these keep it symmetric about its centroid. */
static inline void tk_cubic_weights(float f, float v, float *w) {
#pragma clang fp contract(off)
    const float f2 = f * f, f3 = f2 * f;
    w[0] = (1 - f) * (3 * v + f2 - 2 * f) / 6; w[1] = (3 * v * f - 2 * v + f3 - 2 * f2 - f + 2) / 2;
    w[2] = -(3 * v * f - v + f3 - f2 - 2 * f) / 2; w[3] = f * (3 * v + f2 - 1) / 6;
}

/* d w(f) / d f. */
static inline void tk_cubic_slopes(float f, float v, float *d) {
#pragma clang fp contract(off)
    const float f2 = f * f;
    d[0] = -((3 * v + f2 - 2 * f) + (f - 1) * (2 * f - 2)) / 6; d[1] = (3 * v + 3 * f2 - 4 * f - 1) / 2;
    d[2] = -(3 * v + 3 * f2 - 2 * f - 2) / 2; d[3] = (3 * v + 3 * f2 - 1) / 6;
}

/* Along x: t [h][w] = Σ_j wx[j] · a[row][x + ox + j − 1], taps outside the row zero. */
static inline void tk_cubic_rows(const float *__restrict a, float *__restrict t, int h, int w, int ox, const float *wx) {
#pragma clang fp contract(off)
    /* Columns whose four taps all lie in the row: 0 ≤ x + ox − 1 and x + ox + 2 < w. */
    int xa = 1 - ox > 0 ? 1 - ox : 0, xb = w - 2 - ox < w ? w - 2 - ox : w;
    if (xb < xa) xb = xa;
    if (xa > w) { xa = w; xb = w; }
    for (int y = 0; y < h; y++) {
        const float *row = a + (long)y * w;
        float *out = t + (long)y * w;
        for (int x = xa; x < xb; x++) {
            const float *q = row + x + ox - 1;
            float r = 0;
            r += wx[0] * q[0];
            r += wx[1] * q[1];
            r += wx[2] * q[2];
            r += wx[3] * q[3];
            out[x] = r;
        }
        for (int x = 0; x < w; x++) {
            if (x >= xa && x < xb) { x = xb - 1; continue; }
            float r = 0;
            for (int j = 0; j < 4; j++) {
                const int xx = x + ox + j - 1;
                if (xx >= 0 && xx < w) r += wx[j] * row[xx];
            }
            out[x] = r;
        }
    }
}

/* Along y: b [h][w] = Σ_i wy[i] · t[y + oy + i − 1][x], rows outside zero (added in order i = 0…3). */
static inline void tk_cubic_columns(const float *__restrict t, float *__restrict b, int h, int w, int oy, const float *wy) {
#pragma clang fp contract(off)
    for (int y = 0; y < h; y++) {
        float *out = b + (long)y * w;
        for (int x = 0; x < w; x++) out[x] = 0;
        for (int i = 0; i < 4; i++) {
            const int yy = y + oy + i - 1;
            if (yy < 0 || yy >= h) continue;
            const float *src = t + (long)yy * w, wi = wy[i];
            for (int x = 0; x < w; x++) out[x] += wi * src[x];
        }
    }
}

/* One sample's maps p [h][w][c] moved into o [h][w][c] with the four-tap cubic weights of spread v; channel k by
 * offsets (ox[k], oy[k]) and fractions fxy[2k…2k+1]. Scratch: 3 · c · h · w floats. */
static inline void tk_cubic_forward(const float *p, float *o, int h, int w, int c, const int *ox, const int *oy,
                                    const float *fxy, float v, float *scratch) {
    const int hw = h * w;
    float *in = scratch, *moved = scratch + (long)c * hw, *rows = scratch + 2 * (long)c * hw;
    tk_transpose(p, in, c, hw, 0);
    for (int k = 0; k < c; k++) {
        float wx[4], wy[4];
        tk_cubic_weights(fxy[2 * k], v, wx); tk_cubic_weights(fxy[2 * k + 1], v, wy);
        tk_cubic_rows(in + (long)k * hw, rows + (long)k * hw, h, w, ox[k], wx);
        tk_cubic_columns(rows + (long)k * hw, moved + (long)k * hw, h, w, oy[k], wy);
    }
    tk_transpose(moved, o, hw, c, 0);
}

/* Both gradients of one sample's cubic translate, each where wanted (non-null): the maps' into dm [h][w][c]
 * (overwritten) and the shifts' into ds [c][2] (the output gradient times the sample's slope along x and y, negated:
 * out depends on −shift). Every pass is one of the two separable ones: the maps' gradient is the column pass with
 * the weights flipped (offset −oy − 1), then the row pass likewise; the slopes are the forward passes with one
 * axis's weights replaced by their derivatives. Scratch: 5 · c · h · w floats. */
static inline void tk_cubic_backward(const float *p, const float *g, float *dm, float *ds, int h, int w, int c,
                                     const int *ox, const int *oy, const float *fxy, float v, float *scratch) {
#pragma clang fp contract(off)
    const int hw = h * w;
    float *pin = scratch, *gin = scratch + (long)c * hw, *dmk = scratch + 2 * (long)c * hw;
    float *t1 = scratch + 3 * (long)c * hw, *t2 = scratch + 4 * (long)c * hw;
    tk_transpose(g, gin, c, hw, 0);
    if (ds) tk_transpose(p, pin, c, hw, 0);
    for (int k = 0; k < c; k++) {
        float wx[4], wy[4], sx[4], sy[4], fx[4], fy[4];
        tk_cubic_weights(fxy[2 * k], v, wx); tk_cubic_weights(fxy[2 * k + 1], v, wy);
        const float *gk = gin + (long)k * hw;
        if (dm) {
            for (int j = 0; j < 4; j++) { fx[j] = wx[3 - j]; fy[j] = wy[3 - j]; }
            tk_cubic_columns(gk, t1, h, w, -oy[k] - 1, fy);
            tk_cubic_rows(t1, dmk + (long)k * hw, h, w, -ox[k] - 1, fx);
        }
        if (!ds) continue;
        tk_cubic_slopes(fxy[2 * k], v, sx); tk_cubic_slopes(fxy[2 * k + 1], v, sy);
        const float *a = pin + (long)k * hw;
        float gx = 0, gy = 0;
        tk_cubic_rows(a, t1, h, w, ox[k], sx);        /* slope along x */
        tk_cubic_columns(t1, t2, h, w, oy[k], wy);
        for (int u = 0; u < hw; u++) gx -= gk[u] * t2[u];
        tk_cubic_rows(a, t1, h, w, ox[k], wx);        /* slope along y */
        tk_cubic_columns(t1, t2, h, w, oy[k], sy);
        for (int u = 0; u < hw; u++) gy -= gk[u] * t2[u];
        ds[2 * k] = gx; ds[2 * k + 1] = gy;
    }
    if (dm) tk_transpose(dmk, dm, hw, c, 0);
}
