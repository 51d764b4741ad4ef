import XCTest
@testable import WorldModel

final class ConfigTests: XCTestCase {
    func testDefaultsRoundTripThroughResolvedYAML() throws {
        let config = TrainingConfig()
        let again = try TrainingConfig(yaml: config.yaml, source: "resolved.yaml")
        XCTAssertEqual(again, config)
        XCTAssertEqual(again.yaml, config.yaml)
    }

    func testFileOverridesDefaultsAndNestedKeysResolve() throws {
        let text = """
        seed: 7
        model:
          latent: global
          predictor:
            kind: mlp
            hidden: [256, 256]
        objective:
          target: ema
        optim:
          lr: 3.0e-4
        """
        let c = try TrainingConfig(yaml: text, source: "x.yaml")
        XCTAssertEqual(c.seed, 7)
        XCTAssertEqual(c.latentKind, .global)
        XCTAssertEqual(c.predictorKind, .mlp)
        XCTAssertEqual(c.predictorHidden, [256, 256])
        XCTAssertEqual(c.target, .ema)
        XCTAssertEqual(c.lr, 3e-4)
        XCTAssertEqual(c.batchClips, TrainingConfig().batchClips)
    }

    func testUnknownKeyNamesFileLineAndKey() {
        let text = "seed: 1\noptim:\n  learning_rate: 0.1\n"
        XCTAssertThrowsError(try TrainingConfig(yaml: text, source: "bad.yaml")) { error in
            let e = error as! ConfigError
            XCTAssertEqual(e.key, "optim.learning_rate")
            XCTAssertEqual(e.line, 3)
            XCTAssertTrue(e.description.hasPrefix("bad.yaml:3: optim.learning_rate: unknown key"), e.description)
        }
        XCTAssertThrowsError(try TrainingConfig(yaml: "modle:\n  latent: spatial\n", source: "bad.yaml")) { error in
            XCTAssertTrue("\(error)".contains("modle: unknown section"), "\(error)")
        }
    }

    func testImpossibleValuesAreRejectedWithWhatWasExpected() {
        let cases: [(String, String, String)] = [
            ("optim:\n  lr: -1\n", "optim.lr", "a number > 0"),
            ("optim:\n  lr: .nan\n", "optim.lr", "a number > 0"),
            ("data:\n  batch_clips: many\n", "data.batch_clips", "an integer in 2...4096"),
            ("objective:\n  target: magic\n", "objective.target", "one of vicreg, ema, sigreg"),
            ("model:\n  encoder:\n    channels: [32, 0]\n", "model.encoder.channels", "integers ≥ 1"),
            ("model:\n  encoder:\n    kernels: [4]\n", "model.encoder.kernels", "expected 2 entries"),
            ("data:\n  clip_length: 4\nobjective:\n  rollout_steps: 6\n", "data.clip_length", "expected ≥ 8 frames"),
            ("model:\n  latent: global\n", "model.predictor.kind", "needs model.latent: spatial"),
            ("objective:\n  ema_start: 1.0\n  ema_end: 0.9\n", "objective.ema_end", "expected ≥ objective.ema_start"),
        ]
        for (text, key, expected) in cases {
            XCTAssertThrowsError(try TrainingConfig(yaml: text, source: "c.yaml"), text) { error in
                let e = error as! ConfigError
                XCTAssertEqual(e.key, key, text)
                XCTAssertTrue(e.message.contains(expected), "\(e) should say \(expected)")
            }
        }
    }

    func testSetOverridesParseAndValidate() throws {
        var c = TrainingConfig()
        try c.override(["optim.lr=0.01", "objective.target=ema", "model.encoder.channels=[8,8]"])
        XCTAssertEqual(c.lr, 0.01)
        XCTAssertEqual(c.target, .ema)
        XCTAssertEqual(c.encoderChannels, [8, 8])
        XCTAssertThrowsError(try c.override(["optim.lrr=1"])) { XCTAssertTrue("\($0)".contains("unknown key")) }
        XCTAssertThrowsError(try c.override(["optim.lr"])) { XCTAssertTrue("\($0)".contains("key=value")) }
        XCTAssertThrowsError(try c.override(["train.steps=0"])) { XCTAssertTrue("\($0)".contains("integer in 1")) }
    }

    func testResumeDifferencesIgnoreRunLengthOnly() throws {
        let a = TrainingConfig()
        var b = a
        try b.override(["train.steps=5", "train.log_every=1"])
        XCTAssertEqual(b.differences(from: a), [])
        try b.override(["optim.lr=0.5"])
        XCTAssertEqual(b.differences(from: a).count, 1)
        XCTAssertTrue(b.differences(from: a)[0].hasPrefix("optim.lr"))
    }

    func testScheduleWarmsUpDecaysAndRampsEMA() throws {
        var c = TrainingConfig()
        try c.override(["optim.lr=1", "optim.warmup_steps=10", "optim.schedule_steps=110", "optim.min_lr_ratio=0.1"])
        XCTAssertEqual(c.learningRate(at: 0), 0.1, accuracy: 1e-12)
        XCTAssertEqual(c.learningRate(at: 9), 1.0, accuracy: 1e-12)
        XCTAssertEqual(c.learningRate(at: 10), 1.0, accuracy: 1e-12)
        XCTAssertEqual(c.learningRate(at: 60), 0.55, accuracy: 1e-12)
        XCTAssertEqual(c.learningRate(at: 500), 0.1, accuracy: 1e-12)
        XCTAssertEqual(c.emaMomentum(at: 0), 0.996, accuracy: 1e-12)
        XCTAssertEqual(c.emaMomentum(at: 55), 0.998, accuracy: 1e-12)
        XCTAssertEqual(c.emaMomentum(at: 1000), 1.0, accuracy: 1e-12)
    }

    func testShippedConfigsParse() throws {
        let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Assets")
        for name in ["default-config.yaml", "reference-config.yaml"] {
            let url = assets.appendingPathComponent(name)
            XCTAssertNoThrow(try TrainingConfig(contentsOf: url), name)
        }
        // The shipped default config spells out the built-in defaults, but for rollout_resampling (a built-in default
        // a checkpoint that does not store the key is read with, so it stays `same`).
        var defaults = TrainingConfig()
        try defaults.override(["model.predictor.rollout_resampling=cubic"])
        XCTAssertEqual(try TrainingConfig(contentsOf: assets.appendingPathComponent("default-config.yaml")), defaults)
        let reference = try TrainingConfig(contentsOf: assets.appendingPathComponent("reference-config.yaml"))
        XCTAssertEqual(reference.latentKind, .global)
        XCTAssertEqual(reference.encoderChannels, [32, 64, 64, 128])
        XCTAssertEqual(reference.batchClips, 32)
    }

    func testShippedModelsStoredConfigsAreWrittenAgainByteForByte() throws {
        // A stored config is part of a checkpoint's bytes: the writer must give every shipped model's text back as it
        // is stored, so its recipe still trains to the same bytes after options are added.
        let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Assets")
        let models = try FileManager.default.contentsOfDirectory(at: assets.appendingPathComponent("models"), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "safetensors" } + [assets.appendingPathComponent("default-model.safetensors")]
        XCTAssertGreaterThanOrEqual(models.count, 6)
        for url in models {
            let stored = try ModelCheckpoint.readContents(url)
            XCTAssertEqual(stored.config.yaml, stored.metadata["config"], url.lastPathComponent)
        }
    }

    func testLaterOptionsAreStoredOnlyWhenSet() throws {
        XCTAssertFalse(TrainingConfig().yaml.contains("contacts"))
        var config = TrainingConfig()
        try config.override(["model.predictor.contacts=true", "model.predictor.action_maps=actor"])
        XCTAssertTrue(config.yaml.contains("    action_maps: actor\n    contacts: true\n"), config.yaml)
        XCTAssertEqual(try TrainingConfig(yaml: config.yaml, source: "contacts.yaml"), config)
        try config.override(["model.predictor.turning=true"])
        XCTAssertTrue(config.yaml.contains("    contacts: true\n    turning: true\n"), config.yaml)
        XCTAssertFalse(config.yaml.contains("mixing"))
        try config.override(["model.predictor.mixing=true"])
        XCTAssertTrue(config.yaml.contains("    mixing: true\n"), config.yaml)
        XCTAssertEqual(try TrainingConfig(yaml: config.yaml, source: "mixing.yaml"), config)
    }
}
