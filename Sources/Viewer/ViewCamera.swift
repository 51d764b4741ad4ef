import Physics

/// The window's view of the world: zoom about a point and pan, as in Box2D's samples (wheel or Z/X zoom about
/// the pointer, right-drag pans, Home resets). At home it shows the scene camera's rectangle, which is exactly
/// what the model's frames show; the model's input never depends on this view.
struct ViewCamera: Equatable {
    /// 1 shows the scene camera's rectangle; 2 shows half its width.
    private(set) var zoom: Float = 1
    /// Where the view's centre is, relative to the scene camera's centre (world units).
    private(set) var pan: SIMD2<Float> = .zero

    static let zoomRange: ClosedRange<Float> = 0.25...16
    /// One wheel notch or one Z/X press.
    static let zoomStep: Float = 1.25

    var isHome: Bool { zoom == 1 && pan == .zero }

    /// The world rectangle shown, for a scene camera `base`.
    func visible(_ base: CameraRect) -> CameraRect {
        let c = Self.center(base) + pan
        let hw = (base.maxX - base.minX) / 2 / zoom, hh = (base.maxY - base.minY) / 2 / zoom
        return CameraRect(minX: c.x - hw, minY: c.y - hh, maxX: c.x + hw, maxY: c.y + hh)
    }

    /// Zooms by `factor` (> 1 closer) keeping world point `anchor` where it is in the window.
    mutating func zoom(by factor: Float, about anchor: SIMD2<Float>, base: CameraRect) {
        let z = min(max(zoom * factor, Self.zoomRange.lowerBound), Self.zoomRange.upperBound)
        guard z != zoom else { return }
        let c0 = Self.center(base) + pan
        let c1 = anchor + (c0 - anchor) * (zoom / z)
        zoom = z
        pan = c1 - Self.center(base)
    }

    /// Moves the view with the pointer: the world follows a drag of `pixels` at `scale` pixels per world unit.
    mutating func drag(byPixels pixels: SIMD2<Float>, scale: Float) {
        guard scale > 0 else { return }
        pan += SIMD2(-pixels.x, pixels.y) / scale
    }

    mutating func home() { zoom = 1; pan = .zero }

    static func center(_ r: CameraRect) -> SIMD2<Float> { SIMD2((r.minX + r.maxX) / 2, (r.minY + r.maxY) / 2) }
}

extension WorldTransform {
    /// `home` seen through `view`: the view's centre stays at the centre of the home viewport and the scale grows
    /// with the zoom. The viewport is still the scene camera's rectangle (where the model's frame is, drawn in the
    /// camera's background colour), now larger or smaller than the world's area; what falls outside that area is
    /// covered by the status bar and the sidebar, which are drawn after the world.
    init(home: WorldTransform, view: ViewCamera) {
        self = home
        guard !view.isHome else { return }
        let cam = home.camera
        scale = home.scale * view.zoom
        let mid = SIMD2(home.viewport.x + home.viewport.w / 2, home.viewport.y + home.viewport.h / 2)
        let c = ViewCamera.center(cam) + view.pan
        origin = [mid.x - (c.x - cam.minX) * scale, mid.y - (cam.maxY - c.y) * scale]
        viewport = Rect(x: origin.x, y: origin.y, w: (cam.maxX - cam.minX) * scale, h: (cam.maxY - cam.minY) * scale)
    }
}
