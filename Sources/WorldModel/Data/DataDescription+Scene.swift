import Common
import Foundation
import Observation
import Physics

extension DataDescription {
    /// What a live stream of `scene` shows: the frames of its camera (or `resolution`), its dynamic bodies,
    /// its actor's action size, its rate, and the SHA-256 of its text (the same description `tumble train
    /// --scene` records). Throws the scene's error if it cannot be rendered.
    public init(scene: Scene, resolution: Int? = nil) throws {
        let stream = try ObservationStream(scene: scene, resolution: resolution)
        let shape = stream.frameShape
        self.init(height: shape[0], width: shape[1], channels: shape[2], bodies: stream.bodyCount,
                  actionSize: stream.actionDimension, sceneName: scene.name,
                  sceneSHA256: FileDigest.sha256(Data(scene.source.utf8)), observationHz: scene.observedHz)
    }
}
