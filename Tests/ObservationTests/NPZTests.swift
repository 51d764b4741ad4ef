import Crypto
import Foundation
import XCTest
@testable import Observation

final class NPZTests: XCTestCase {
    /// A small archive with every dtype the recorder writes, filled with recognisable values.
    func makeImage(forceZip64: Bool = false) -> NPZImage {
        let image = NPZImage(arrays: [
            .init(name: "frames", type: .uint8, shape: [2, 3, 4, 5, 3]),
            .init(name: "states", type: .float32, shape: [2, 3, 4, 6]),
            .init(name: "seeds", type: .int64, shape: [2]),
            .init(name: "violation_frame", type: .int32, shape: [2]),
            .init(name: "mask", type: .bool, shape: [2, 4]),
            .init(name: "violation_type", type: .unicode(12), shape: [2]),
            .init(name: "actions", type: .float32, shape: [2, 3, 0]),
        ], forceZip64: forceZip64)
        let frames = image.typed("frames", as: UInt8.self)
        for i in frames.indices { frames[i] = UInt8(truncatingIfNeeded: i &* 37) }
        let states = image.typed("states", as: Float.self)
        for i in states.indices { states[i] = Float(i) * 0.25 - 3 }
        let seeds = image.typed("seeds", as: Int64.self)
        seeds[0] = -5; seeds[1] = Int64(bitPattern: 0xDEAD_BEEF_0123_4567)
        let vf = image.typed("violation_frame", as: Int32.self)
        vf[0] = -1; vf[1] = 17
        let mask = image.typed("mask", as: UInt8.self)
        for i in mask.indices { mask[i] = i % 3 == 0 ? 1 : 0 }
        let names = image.typed("violation_type", as: UInt32.self)
        for (k, u) in "vanish".unicodeScalars.enumerated() { names[k] = u.value }
        for (k, u) in "passThrough".unicodeScalars.enumerated() { names[12 + k] = u.value }
        image.seal()
        return image
    }

    func testArchiveReadsBackWithEveryTypeAndShape() throws {
        for force in [false, true] {
            let image = makeImage(forceZip64: force)
            let arrays = try NPZFile.read(bytes: image.bytes, file: "mem.npz")
            XCTAssertEqual(Set(arrays.keys), ["frames", "states", "seeds", "violation_frame", "mask", "violation_type", "actions"])
            XCTAssertEqual(arrays["frames"]?.shape, [2, 3, 4, 5, 3])
            XCTAssertEqual(arrays["frames"]?.uint8s?[100], UInt8(truncatingIfNeeded: 100 * 37))
            XCTAssertEqual(arrays["states"]?.float32s?[5], 5 * 0.25 - 3)
            XCTAssertEqual(arrays["seeds"]?.int64s, [-5, Int64(bitPattern: 0xDEAD_BEEF_0123_4567)])
            XCTAssertEqual(arrays["violation_frame"]?.int32s, [-1, 17])
            XCTAssertEqual(arrays["mask"]?.bools, [true, false, false, true, false, false, true, false])
            XCTAssertEqual(arrays["violation_type"]?.strings, ["vanish", "passThrough"])
            XCTAssertEqual(arrays["actions"]?.shape, [2, 3, 0])
            XCTAssertEqual(image.layout.zip64Archive, force)
        }
    }

    func testEveryArrayStartsOn64ByteBoundaryAndHeadersArePadded() {
        let image = makeImage()
        for a in image.arrays {
            let p = Int(bitPattern: image.data(a.name).baseAddress)
            XCTAssertEqual(p % 64, 0, a.name)
        }
        for shape in [[], [3], [2, 3, 4, 5, 6], [123_456_789, 64, 64, 3]] {
            XCTAssertEqual(NPY.header(type: .float32, shape: shape).count % 64, 0)
        }
        let h = NPY.header(type: .uint8, shape: [2, 3])
        XCTAssertTrue(String(decoding: h, as: UTF8.self).contains("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }"))
        XCTAssertEqual(h.last, 0x0A)
    }

    func testNumPyLoadsTheArchiveIncludingZip64() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for force in [false, true] {
            let image = makeImage(forceZip64: force)
            let url = dir.appendingPathComponent(force ? "z64.npz" : "plain.npz")
            try Data(image.bytes).write(to: url)
            let script = """
            import sys, json, hashlib, numpy as np
            d = np.load(sys.argv[1])
            print(json.dumps({k: [d[k].dtype.str, list(d[k].shape), hashlib.sha256(d[k].tobytes()).hexdigest()] for k in d.files}, sort_keys=True))
            print(json.dumps([d['violation_type'].tolist(), d['seeds'].tolist(), d['mask'].tolist()]))
            """
            let out = try PythonSupport.run(script, [url.path]).split(separator: "\n")
            let summary = try JSONSerialization.jsonObject(with: Data(out[0].utf8)) as! [String: [Any]]
            for a in image.arrays {
                let entry = summary[a.name]!
                XCTAssertEqual(entry[0] as? String, a.type.descr == "|b1" ? "|b1" : a.type.descr, a.name)
                XCTAssertEqual(entry[1] as? [Int], a.shape, a.name)
                let sha = SHA256.hash(data: Data(UnsafeRawBufferPointer(image.data(a.name)))).map { String(format: "%02x", $0) }.joined()
                XCTAssertEqual(entry[2] as? String, sha, "\(a.name) bytes agree with NumPy (zip64: \(force))")
            }
            XCTAssertEqual(String(out[1]), #"[["vanish", "passThrough"], [-5, -2401053092593056409], [[true, false, false, true], [false, false, true, false]]]"#)
        }
    }

    func testReadsArchivesNumPyWroteStoredAndCompressed() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = """
        import sys, numpy as np
        a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8
        b = (np.arange(1000) % 7).astype(np.uint8)
        np.savez(sys.argv[1] + '/plain.npz', a=a, b=b)
        np.savez_compressed(sys.argv[1] + '/packed.npz', a=a, b=b)
        """
        _ = try PythonSupport.run(script, [dir.path])
        for name in ["plain.npz", "packed.npz"] {
            let arrays = try NPZFile.read(dir.appendingPathComponent(name))
            XCTAssertEqual(arrays["a"]?.shape, [2, 3, 4])
            XCTAssertEqual(arrays["a"]?.float32s, (0..<24).map { Float($0) / 8 })
            XCTAssertEqual(arrays["b"]?.uint8s, (0..<1000).map { UInt8($0 % 7) })
        }
    }

    func testCorruptionAndTruncationGiveErrorsNamingFileAndField() {
        let image = makeImage()
        var bytes = Array(image.bytes)
        let statesOffset = image.data("states").baseAddress! - UnsafeMutableRawPointer(mutating: image.bytes.baseAddress!)
        bytes[statesOffset + 3] ^= 0x40
        XCTAssertThrowsError(try bytes.withUnsafeBytes { try NPZFile.read(bytes: $0, file: "x.npz") }) { error in
            let e = error as? DatasetError
            XCTAssertEqual(e?.file, "x.npz")
            XCTAssertEqual(e?.field, "states.npy")
            XCTAssertTrue(e?.problem.contains("CRC-32 mismatch") ?? false, "\(error)")
        }
        let truncated = Array(image.bytes.prefix(image.bytes.count - 30))
        XCTAssertThrowsError(try truncated.withUnsafeBytes { try NPZFile.read(bytes: $0, file: "t.npz") }) { error in
            XCTAssertEqual((error as? DatasetError)?.file, "t.npz")
            XCTAssertTrue("\(error)".contains("not a zip archive, or truncated"), "\(error)")
        }
        XCTAssertThrowsError(try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try NPZFile.read(bytes: $0, file: "s.npz") })
    }

    func testNPYHeaderParserRejectsWhatItCannotRead() {
        func parse(_ dict: String, dataBytes: Int = 4) -> Error? {
            var h: [UInt8] = NPY.magic + [1, 0]
            let body = Array(dict.utf8) + [0x0A]
            h += [UInt8(body.count & 0xFF), UInt8(body.count >> 8)] + body + [UInt8](repeating: 0, count: dataBytes)
            do { _ = try h.withUnsafeBytes { try NPY.parse($0, file: "f.npy", field: "a") }; return nil } catch { return error }
        }
        XCTAssertNil(parse("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"))
        XCTAssertTrue("\(parse("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }")!)".contains("unsupported dtype '>f4'"))
        XCTAssertTrue("\(parse("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }")!)".contains("Fortran"))
        XCTAssertTrue("\(parse("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }")!)".contains("expected 8"))
        XCTAssertTrue("\(parse("{'descr': '<f4', 'fortran_order': False}")!)".contains("no 'shape'"))
    }
}
