import XCTest
@testable import Tensor

/// Tumble's safetensors files against Python: the 20-line NumPy reader in scripts/, and the reference
/// `safetensors` package in both directions, down to identical bytes.
final class InteropTests: XCTestCase {
    func tensors() throws -> [(name: String, tensor: Tensor)] {
        var rng = RNG(seed: 8)
        return [(name: "encoder.conv0.weight", tensor: Tensor.randn([4, 3, 3, 2], rng: &rng)),
                (name: "encoder.conv0.bias", tensor: try Tensor([0.5, -0.25, 1e-8, 3e8], shape: [4])),
                (name: "step_scale", tensor: Tensor(scalar: 42))]
    }

    func testNumpyReaderLoadsTumbleFile() throws {
        try Python.require("numpy")
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("model.safetensors")
        let ts = try tensors()
        try SafeTensors.save(ts, metadata: ["step": "7", "config": "{\"lr\": 0.0003}"], to: url)
        let out = try Python.run("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                 args: [Python.repoRoot.appendingPathComponent("scripts/safetensors_numpy_reader.py").path, url.path])
        var lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.removeLast(), #"metadata {"config": "{\"lr\": 0.0003}", "step": "7"}"#)
        for t in ts.sorted(by: { $0.name < $1.name }) {
            let line = lines.removeFirst()
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            XCTAssertEqual(parts[0], t.name)
            XCTAssertEqual(parts[1], "float32")
            let sum = t.tensor.scalars.reduce(0.0) { $0 + Double($1) }
            let tail = parts[2]
            XCTAssertTrue(tail.hasPrefix("\(t.tensor.shape) "), "\(line)")
            XCTAssertEqual(Double(tail.split(separator: " ").last!)!, sum, accuracy: 1e-4 * max(1, abs(sum)), line)
        }
    }

    func testSafetensorsPackageLoadsTumbleFile() throws {
        try Python.require("safetensors")
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("model.safetensors")
        let ts = try tensors()
        try SafeTensors.save(ts, metadata: ["step": "7"], to: url)
        let out = try Python.run("""
        import sys, json
        from safetensors import safe_open
        with safe_open(sys.argv[1], framework="numpy") as f:
            print(json.dumps({"meta": f.metadata(), "t": {k: f.get_tensor(k).astype(float).ravel().tolist() for k in f.keys()}}))
        """, args: [url.path])
        let obj = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        XCTAssertEqual(obj["meta"] as? [String: String], ["step": "7"])
        let t = obj["t"] as! [String: [Double]]
        for (name, tensor) in ts { assertClose(t[name]!.map { Float($0) }, tensor.scalars, tol: 0, name) }
    }

    func testPythonWrittenFileLoadsAndBytesMatch() throws {
        try Python.require("safetensors")
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("py.safetensors")
        _ = try Python.run("""
        import sys, numpy as np
        from safetensors.numpy import save_file
        save_file({"w": np.arange(12, dtype=np.float32).reshape(3, 4) / 7, "b": np.array([1.5, -2], dtype=np.float32),
                   "scalar": np.array(3.25, dtype=np.float32), "z.empty": np.zeros((2, 0), dtype=np.float32)},
                  sys.argv[1], metadata={"step": "100"})
        """, args: [url.path])
        let f = try SafeTensors.load(from: url)
        XCTAssertEqual(f.metadata, ["step": "100"])
        XCTAssertEqual(f.tensors["w"]!.shape, [3, 4])
        assertClose(f.tensors["w"]!.scalars, (0..<12).map { Float($0) / 7 }, tol: 0, "w")
        XCTAssertEqual(f.tensors["b"]!.scalars, [1.5, -2])
        XCTAssertEqual(f.tensors["scalar"]!.shape, [])
        XCTAssertEqual(f.tensors["z.empty"]!.shape, [2, 0])
        // Re-encoding what was read gives Python's exact bytes.
        let mine = try SafeTensors.encode(f.names.map { (name: $0, tensor: f.tensors[$0]!) }, metadata: f.metadata)
        XCTAssertEqual(mine, [UInt8](try Data(contentsOf: url)))
    }
}
