import Common
import Foundation
import XCTest

final class JSONValueTests: XCTestCase {
    let sample: JSONValue = .object([("a", .array([.number(1), .number(2.5)])), ("s", .string("x\u{08}\"y")), ("e", .object([]))])

    /// safetensors headers use serde_json's compact form; reports the indented one. Both are fixed bytes.
    func testBothLayouts() {
        XCTAssertEqual(sample.compact(), #"{"a":[1,2.5],"s":"x\b\"y","e":{}}"#)
        XCTAssertEqual(sample.serialized(), "{\n  \"a\": [1, 2.5],\n  \"s\": \"x\\u0008\\\"y\",\n  \"e\": {}\n}\n")
    }

    func testParsesBackStrictly() throws {
        XCTAssertEqual(try JSONValue.parse(Data(sample.serialized().utf8)), sample)
        XCTAssertEqual(try JSONValue.parse(Array(sample.compact().utf8)), sample)
        XCTAssertThrowsError(try JSONValue.parse(Array(#"{"k":1,"k":2}"#.utf8))) { XCTAssertTrue("\($0)".contains("duplicate key 'k'")) }
        XCTAssertThrowsError(try JSONValue.parse(Array("[1] x".utf8)))
    }
}
