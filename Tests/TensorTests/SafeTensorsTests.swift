import XCTest
@testable import Tensor

/// The safetensors writer's exact bytes, atomic saving, and every validation the reader performs.
final class SafeTensorsTests: XCTestCase {
    func sample() throws -> [(name: String, tensor: Tensor)] {
        [(name: "b", tensor: try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])),
         (name: "a", tensor: Tensor(scalar: -1.5)),
         (name: "é/empty", tensor: Tensor.zeros([0, 3]))]
    }

    func testExactBytes() throws {
        let bytes = try SafeTensors.encode(sample(), metadata: ["step": "12", "note": "a\"b\\c\n"])
        let header = #"{"__metadata__":{"note":"a\"b\\c\n","step":"12"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2,3],"data_offsets":[4,28]},"é/empty":{"dtype":"F32","shape":[0,3],"data_offsets":[28,28]}}"#
        var h = Array(header.utf8)
        h += [UInt8](repeating: 0x20, count: (8 - h.count % 8) % 8)
        XCTAssertEqual(Array(bytes[0..<8]), withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) })
        XCTAssertEqual(Array(bytes[8..<(8 + h.count)]), h)
        XCTAssertEqual(h.count % 8, 0, "header padded to 8 bytes")
        let floats: [Float] = [-1.5, 1, 2, 3, 4, 5, 6]
        XCTAssertEqual(Array(bytes[(8 + h.count)...]), floats.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } })
    }

    func testRoundTripAndDeterminism() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("x.safetensors")
        try SafeTensors.save(sample(), metadata: ["config": "lr: 3e-4\n", "rng": RNG(seed: 1).stateString], to: url)
        let f = try SafeTensors.load(from: url)
        XCTAssertEqual(f.names, ["a", "b", "é/empty"])
        XCTAssertEqual(f.tensors["b"]!.shape, [2, 3])
        XCTAssertEqual(f.tensors["b"]!.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(f.tensors["a"]!.shape, [])
        XCTAssertEqual(f.tensors["é/empty"]!.shape, [0, 3])
        XCTAssertEqual(f.metadata["config"], "lr: 3e-4\n")
        XCTAssertEqual(try RNG(stateString: f.metadata["rng"]!), RNG(seed: 1))
        // Same content, same bytes, whatever the input order.
        let again = try SafeTensors.encode(sample().reversed(), metadata: ["rng": RNG(seed: 1).stateString, "config": "lr: 3e-4\n"])
        XCTAssertEqual(again, [UInt8](try Data(contentsOf: url)))
    }

    func testAtomicSaveLeavesNoTemporaryFiles() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("ckpt.safetensors")
        try SafeTensors.save(sample(), to: url)
        try SafeTensors.save([(name: "only", tensor: Tensor.ones([2]))], to: url)   // overwrite in place
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["ckpt.safetensors"])
        XCTAssertEqual(try SafeTensors.load(from: url).names, ["only"])
        // A directory that does not exist: clear error, nothing created.
        let bad = dir.appendingPathComponent("missing/ckpt.safetensors")
        XCTAssertThrowsError(try SafeTensors.save(sample(), to: bad)) { e in
            XCTAssertTrue("\(e)".contains("missing"), "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad.path))
    }

    func testEncodeRejectsDuplicateAndReservedNames() throws {
        XCTAssertThrowsError(try SafeTensors.encode([(name: "w", tensor: Tensor.ones([1])), (name: "w", tensor: Tensor.ones([1]))]))
        XCTAssertThrowsError(try SafeTensors.encode([(name: "__metadata__", tensor: Tensor.ones([1]))]))
    }

    /// A file with a hand-written header and `data` bytes.
    func file(_ header: String, data: Int, pad: Bool = true, declaredLength: UInt64? = nil) -> [UInt8] {
        var h = Array(header.utf8)
        if pad { h += [UInt8](repeating: 0x20, count: (8 - h.count % 8) % 8) }
        let n = declaredLength ?? UInt64(h.count)
        return withUnsafeBytes(of: n.littleEndian) { Array($0) } + h + [UInt8](repeating: 0, count: data)
    }

    func assertRejects(_ bytes: [UInt8], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.decode(bytes, source: "bad.safetensors"), file: file, line: line) { e in
            let text = "\(e)"
            XCTAssertTrue(text.hasPrefix("bad.safetensors: "), "error names the file: \(text)", file: file, line: line)
            XCTAssertTrue(text.contains(expected), "expected '\(expected)' in: \(text)", file: file, line: line)
        }
    }

    func testRejectsMalformedFiles() throws {
        let ok = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        XCTAssertNoThrow(try SafeTensors.decode(file(ok, data: 8)))
        assertRejects([1, 2, 3], "too short")
        assertRejects(file(ok, data: 8, declaredLength: 1 << 40), "exceeds")
        assertRejects(file(ok, data: 8, declaredLength: 4000), "runs past the end")
        assertRejects(file("[1,2]", data: 0), "does not start with '{'")
        assertRejects(file("{\"w\":", data: 0), "not valid JSON")
        assertRejects(file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x"#, data: 8), "not valid JSON")
        assertRejects(file(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8), "duplicate key 'w'")
        assertRejects(file(#"{"__metadata__":{"step":3}}"#, data: 0), "metadata 'step' must be a string")
        assertRejects(file(#"{"__metadata__":["a"]}"#, data: 0), "'__metadata__' must be an object")
        assertRejects(file(#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, data: 8), "tensor 'w': missing 'dtype'")
        assertRejects(file(#"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, data: 8), "tensor 'w': missing 'shape'")
        assertRejects(file(#"{"w":{"dtype":"F32","shape":[2]}}"#, data: 8), "tensor 'w': missing 'data_offsets'")
        assertRejects(file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}"#, data: 8), "unknown field 'x'")
        assertRejects(file(#"{"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}"#, data: 8), "unknown dtype 'F33'")
        assertRejects(file(#"{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, data: 8), "dtype F64 is not supported")
        assertRejects(file(#"{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#, data: 8), "non-negative integers")
        assertRejects(file(#"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: 8), "non-negative integers")
        assertRejects(file(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: 8), "needs 12")
        assertRejects(file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: 8), "begin ≤ end")
        assertRejects(file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}}"#, data: 8), "[begin, end]")
        assertRejects(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: 12), "overlap")
        assertRejects(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, data: 12), "gap")
        assertRejects(file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: 12), "gap")
        assertRejects(file(ok, data: 12), "trailing bytes")
    }

    func testRejectsTruncatedFile() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("cut.safetensors")
        let bytes = try SafeTensors.encode(sample())
        try Data(bytes.dropLast(5)).write(to: url)
        XCTAssertThrowsError(try SafeTensors.load(from: url)) { e in
            XCTAssertTrue("\(e)".contains(url.path) && "\(e)".contains("truncated"), "\(e)")
        }
        try Data(bytes.prefix(20)).write(to: url)
        XCTAssertThrowsError(try SafeTensors.load(from: url)) { e in XCTAssertTrue("\(e)".contains("truncated"), "\(e)") }
        XCTAssertThrowsError(try SafeTensors.load(from: dir.appendingPathComponent("nope.safetensors"))) { e in
            XCTAssertTrue("\(e)".contains("nope.safetensors: cannot read"), "\(e)")
        }
    }
}
