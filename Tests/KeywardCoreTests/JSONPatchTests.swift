import Foundation
import KeywardCore
import Testing

@Suite struct JSONPatchTests {
    @Test func mergePatchFollowsRFC7386() throws {
        // The RFC's own example.
        let target = try JSONValue.parse(Data(#"{"a":"b","c":{"d":"e","f":"g"}}"#.utf8))
        let patch = try JSONValue.parse(Data(#"{"a":"z","c":{"f":null}}"#.utf8))
        #expect(JSONMergePatch.apply(patch, to: target) == ["a": "z", "c": ["d": "e"]])
    }

    @Test func mergeDiffRoundTrips() throws {
        let a: JSONValue = ["metadata": ["labels": ["x": "1", "y": "2"]], "spec": ["n": 1]]
        let b: JSONValue = ["metadata": ["labels": ["x": "1", "z": "3"]], "spec": ["n": 2]]
        let diff = try #require(JSONMergePatch.diff(from: a, to: b))
        #expect(JSONMergePatch.apply(diff, to: a) == b)
        #expect(JSONMergePatch.diff(from: a, to: a) == nil)
    }

    @Test func jsonPatchOperations() throws {
        let doc: JSONValue = ["a": ["b": [1, 2, 3]], "c": "x"]
        let patch: JSONValue = [
            ["op": "add", "path": "/a/b/1", "value": 9],
            ["op": "remove", "path": "/a/b/0"],
            ["op": "replace", "path": "/c", "value": "y"],
            ["op": "copy", "from": "/c", "path": "/d"],
            ["op": "move", "from": "/d", "path": "/e~1f"],
            ["op": "test", "path": "/e~1f", "value": "y"],
        ]
        #expect(try JSONPatch.apply(patch, to: doc) == ["a": ["b": [9, 2, 3]], "c": "y", "e/f": "y"])
    }

    @Test func jsonPatchFailuresNameTheOperation() {
        let doc: JSONValue = ["a": 1]
        #expect(throws: JSONPatch.Failure(operationIndex: 1, reason: "test failed at '/a'")) {
            try JSONPatch.apply([["op": "add", "path": "/b", "value": 2], ["op": "test", "path": "/a", "value": 5]], to: doc)
        }
        #expect(throws: JSONPatch.Failure.self) { try JSONPatch.apply([["op": "remove", "path": "/missing"]], to: doc) }
        #expect(throws: JSONPatch.Failure.self) { try JSONPatch.apply(["not", "ops"], to: doc) }
    }
}
