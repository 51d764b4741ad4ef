import CZlib
import Foundation

/// A minimal PNG writer (8-bit grey, RGB or RGBA, no interlace) on zlib's `compress2` and `crc32`,
/// enough to embed frames in the self-contained report page.
public enum PNGEncoder {
    public enum Failure: Error, CustomStringConvertible {
        case badShape(String)
        case zlib(Int32)
        public var description: String {
            switch self {
            case let .badShape(message): return "PNG: \(message)"
            case let .zlib(code): return "PNG: zlib compress2 failed with code \(code)"
            }
        }
    }

    /// Encodes row-major uint8 pixels [height, width, channels] (channels 1, 3 or 4).
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int) throws -> Data {
        let colorType: UInt8
        switch channels {
        case 1: colorType = 0
        case 3: colorType = 2
        case 4: colorType = 6
        default: throw Failure.badShape("\(channels) channels; expected 1, 3 or 4")
        }
        guard width > 0, height > 0, width < (1 << 24), height < (1 << 24) else {
            throw Failure.badShape("size \(width)×\(height) out of range")
        }
        guard pixels.count == width * height * channels else {
            throw Failure.badShape("\(pixels.count) bytes for \(width)×\(height)×\(channels)")
        }
        // Each scanline: filter byte 1 (Sub: difference to the pixel on the left), which compresses
        // flat backgrounds and smooth sprites far better than no filter.
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: height * (stride + 1))
        pixels.withUnsafeBufferPointer { src in
            raw.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let row = src.baseAddress! + y * stride
                    let out = dst.baseAddress! + y * (stride + 1)
                    out[0] = 1
                    for i in 0..<stride {
                        out[1 + i] = i < channels ? row[i] : row[i] &- row[i - channels]
                    }
                }
            }
        }
        var compressedLength = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        let status = compress2(&compressed, &compressedLength, raw, uLong(raw.count), 9)
        guard status == Z_OK else { throw Failure.zlib(status) }
        compressed.removeLast(compressed.count - Int(compressedLength))

        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, colorType, 0, 0, 0])   // bit depth, colour type, deflate, filter set 0, no interlace
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", Data(compressed), to: &png)
        appendChunk("IEND", Data(), to: &png)
        return png
    }

    private static func appendChunk(_ type: String, _ body: Data, to png: inout Data) {
        png.appendBigEndian(UInt32(body.count))
        var typed = Data(type.utf8)
        typed.append(body)
        png.append(typed)
        let crc = typed.withUnsafeBytes { p in
            crc32(0, p.bindMemory(to: UInt8.self).baseAddress, uInt(p.count))
        }
        png.appendBigEndian(UInt32(truncatingIfNeeded: crc))
    }
}

extension Data {
    mutating func appendBigEndian(_ v: UInt32) {
        append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
    }
}
