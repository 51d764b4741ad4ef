/* ObjectsPredictor's repulsive edges for inference (ObjectsPredictor.pushes under Tensor.noGrad), one sample m.
   The graph path forms every pair's features and hidden units as [M, C, C, ·] tensors, some 40 passes over them;
   here a pair lives in registers: its features, the two-layer MLP, the sharp softplus and the Gaussian reach, summed
   into the receiver's push. The same arithmetic as the graph, summed in the same j order.

   S, T [C, K]: edge.source (with its bias) and edge.target of each map's end features; R [K, NR] edge.relative's
   weight (NR 3, or 6 with forces); W1 [K, K], b1 [K] edge.1; w2 [K], b2 edge.size. cen, vel [C, 2] in cells and
   cells per step; force [C, 2] in map axes or NULL; mass [C]. out [C, 2]. */
#include <math.h>

static inline void tk_repulsion_forward(int C, int K, const float *S, const float *T, const float *R,
                                        const float *W1, const float *b1, const float *w2, float b2,
                                        const float *cen, const float *vel, const float *force, const float *mass,
                                        float scale, float sharp, float inv2w2, float *out) {
    const int NR = force ? 6 : 3;
    float f[6], h[64];
    for (int i = 0; i < C; i++) {
        float px = 0, py = 0;
        for (int j = 0; j < C; j++) {
            if (j == i) continue;
            const float dx = cen[2 * j] - cen[2 * i], dy = cen[2 * j + 1] - cen[2 * i + 1];
            const float d2 = dx * dx + dy * dy;
            const float dist = sqrtf(d2 + 1e-4f);
            const float ax = -(dx / dist), ay = -(dy / dist);          /* unit, from j towards i */
            const float cx = -ay, cy = ax;                             /* across */
            const float rx = vel[2 * j] - vel[2 * i], ry = vel[2 * j + 1] - vel[2 * i + 1];
            f[0] = dist * scale;
            f[1] = (rx * ax + ry * ay) * 2;
            f[2] = fabsf(rx * cx + ry * cy) * 2;
            if (force) {
                const float sx = force[2 * j], sy = force[2 * j + 1], qx = force[2 * i], qy = force[2 * i + 1];
                f[3] = sx * ax + sy * ay;
                f[4] = fabsf(sx * cx + sy * cy);
                f[5] = -(qx * ax + qy * ay);
            }
            for (int k = 0; k < K; k++) {
                float a = S[i * K + k] + T[j * K + k];
                for (int r = 0; r < NR; r++) a += R[k * NR + r] * f[r];
                h[k] = a > 0 ? a : 0;
            }
            float s = b2;
            for (int o = 0; o < K; o++) {
                float a = b1[o];
                for (int k = 0; k < K; k++) a += W1[o * K + k] * h[k];
                s += w2[o] * (a > 0 ? a : 0);
            }
            const float strength = (s > 0 ? s : 0) + logf(expf(-sharp * fabsf(s)) + 1) / sharp;
            const float w = strength * (expf(d2 * -inv2w2) * mass[j]);
            px += w * ax; py += w * ay;
        }
        out[2 * i] = px; out[2 * i + 1] = py;
    }
}
