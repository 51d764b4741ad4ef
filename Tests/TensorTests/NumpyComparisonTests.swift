import XCTest
@testable import Tensor

/// Forward results compared with the same computation written directly in NumPy.
final class NumpyComparisonTests: XCTestCase {
    /// Saves inputs as a safetensors file, runs `body` (Python using arrays from `load(path)` and writing
    /// `out` as a dict of arrays), and returns the outputs.
    func numpy(_ inputs: [String: Tensor], _ body: String) throws -> [String: [Float]] {
        try Python.require("numpy")
        let dir = try temporaryDirectory(self)
        let inURL = dir.appendingPathComponent("in.safetensors"), outURL = dir.appendingPathComponent("out.safetensors")
        try SafeTensors.save(inputs.map { (name: $0.key, tensor: $0.value) }, to: inURL)
        let reader = Python.repoRoot.appendingPathComponent("scripts/safetensors_numpy_reader.py").path
        let script = """
        import sys, json, numpy as np, importlib.util
        spec = importlib.util.spec_from_file_location("reader", sys.argv[1]); reader = importlib.util.module_from_spec(spec); spec.loader.exec_module(reader)
        x, _ = reader.load(sys.argv[2])
        x = {k: v.astype(np.float64) for k, v in x.items()}
        out = {}
        \(body)
        names = sorted(out); header = {}; off = 0; blobs = []
        for k in names:
            a = np.ascontiguousarray(out[k], dtype='<f4'); header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}; off += a.nbytes; blobs.append(a.tobytes())
        h = json.dumps(header).encode(); h += b' ' * ((8 - len(h) % 8) % 8)
        open(sys.argv[3], 'wb').write(len(h).to_bytes(8, 'little') + h + b''.join(blobs))
        """
        _ = try Python.run(script, args: [reader, inURL.path, outURL.path])
        let f = try SafeTensors.load(from: outURL)
        return f.tensors.mapValues(\.scalars)
    }

    var rng = RNG(seed: 77)

    func testMatmulBroadcastAndActivations() throws {
        let a = Tensor.randn([5, 7], rng: &rng), b = Tensor.randn([7, 3], rng: &rng), c = Tensor.randn([3], rng: &rng)
        let r = try numpy(["a": a, "b": b, "c": c], """
        out['mm'] = x['a'] @ x['b']
        out['bc'] = (x['a'] @ x['b']) * x['c'] - x['c']
        from math import erf
        out['gelu'] = x['a'] * 0.5 * (1 + np.vectorize(erf)(x['a'] / np.sqrt(2)))
        out['silu'] = x['a'] / (1 + np.exp(-x['a']))
        e = np.exp(x['a'] - x['a'].max(-1, keepdims=True)); out['softmax'] = e / e.sum(-1, keepdims=True)
        out['ln'] = (x['a'] - x['a'].mean(-1, keepdims=True)) / np.sqrt(x['a'].var(-1, keepdims=True) + 1e-5)
        out['std0'] = x['a'].std(0, ddof=1)
        """)
        let mm = try a.matmul(b)
        assertClose(mm.scalars, r["mm"]!, "matmul")
        assertClose(try (mm * c - c).scalars, r["bc"]!, "broadcast")
        assertClose(try a.gelu().scalars, r["gelu"]!, "gelu")
        assertClose(try a.silu().scalars, r["silu"]!, "silu")
        assertClose(try a.softmax().scalars, r["softmax"]!, "softmax")
        assertClose(try Tensor.layerNorm(a, gamma: nil, beta: nil).scalars, r["ln"]!, tol: 1e-3, "layerNorm")
        assertClose(try a.std(axes: [0]).scalars, r["std0"]!, "std")
    }

    func testConvolutionsMatchDirectNumpy() throws {
        let x = Tensor.randn([2, 9, 8, 3], rng: &rng)
        let w = Tensor.randn([4, 4, 4, 3], rng: &rng), b = Tensor.randn([4], rng: &rng)
        let wt = Tensor.randn([3, 3, 3, 5], rng: &rng), bt = Tensor.randn([5], rng: &rng)
        let r = try numpy(["x": x, "w": w, "b": b, "wt": wt, "bt": bt], """
        def conv(x, w, b, s, p):
            N, H, W, C = x.shape; O, kh, kw, _ = w.shape
            xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
            oh = (H + 2 * p - kh) // s + 1; ow = (W + 2 * p - kw) // s + 1
            y = np.zeros((N, oh, ow, O))
            for ky in range(kh):
                for kx in range(kw):
                    y += xp[:, ky:ky + s * oh:s, kx:kx + s * ow:s, :] @ w[:, ky, kx, :].T
            return y + b
        def convT(x, w, b, s, p, op):
            N, IH, IW, Ci = x.shape; _, kh, kw, Co = w.shape
            OH = (IH - 1) * s - 2 * p + kh + op; OW = (IW - 1) * s - 2 * p + kw + op
            full = np.zeros((N, (IH - 1) * s + kh + op, (IW - 1) * s + kw + op, Co))
            for ky in range(kh):
                for kx in range(kw):
                    full[:, ky:ky + s * IH:s, kx:kx + s * IW:s, :] += x @ w[:, ky, kx, :]
            return full[:, p:p + OH, p:p + OW, :] + b
        out['conv'] = np.maximum(conv(x['x'], x['w'], x['b'], 2, 1), 0)
        out['convT'] = convT(x['x'], x['wt'], x['bt'], 2, 1, 1)
        """)
        let y = try Tensor.conv2d(x, weight: w, bias: b, stride: 2, padding: 1, activation: .relu)
        XCTAssertEqual(y.shape, [2, 4, 4, 4])
        assertClose(y.scalars, r["conv"]!, "conv2d")
        let yt = try Tensor.convTranspose2d(x, weight: wt, bias: bt, stride: 2, padding: 1, outputPadding: 1)
        XCTAssertEqual(yt.shape, [2, 18, 16, 5])
        assertClose(yt.scalars, r["convT"]!, "convTranspose2d")
    }

    func testRegularisersMatchNumpy() throws {
        let z = Tensor.randn([32, 8], std: 0.7, rng: &rng)
        let dirs = Tensor.randomDirections(dimension: 8, count: 16, rng: &rng)
        let r = try numpy(["z": z, "dirs": dirs], """
        zc = x['z'] - x['z'].mean(0)
        std = np.sqrt(zc.var(0, ddof=1) + 1e-4)
        out['var'] = np.array(np.mean(np.maximum(1 - std, 0)))
        cov = zc.T @ zc / (len(zc) - 1)
        out['cov'] = np.array(((cov ** 2).sum() - (np.diag(cov) ** 2).sum()) / cov.shape[0])
        t = np.linspace(0, 3, 17); dt = 3 / 16; wts = np.full(17, 2 * dt); wts[[0, -1]] = dt; phi = np.exp(-t ** 2 / 2)
        h = x['z'] @ x['dirs']
        xt = h[:, :, None] * t
        err = (np.cos(xt).mean(0) - phi) ** 2 + np.sin(xt).mean(0) ** 2
        out['sigreg'] = np.array(((err @ (wts * phi)) * h.shape[0]).mean())
        """)
        XCTAssertEqual(try Tensor.vicregVariance(z).item(), r["var"]![0], accuracy: 1e-5)
        XCTAssertEqual(try Tensor.vicregCovariance(z).item(), r["cov"]![0], accuracy: 1e-5)
        XCTAssertEqual(try Tensor.sigreg(z, directions: dirs).item(), r["sigreg"]![0], accuracy: 1e-4 * max(1, r["sigreg"]![0]))
    }
}
