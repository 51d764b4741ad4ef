/// A checkpoint with a NaN or infinite weight trains on into more NaNs and draws nothing useful;
/// readers refuse it up front, naming the tensor, instead of evaluating it with exit status 0.
extension SafeTensorsFile {
    /// The first tensor (in file order) holding a NaN or an infinity, with the element's flat index.
    public func firstNonFinite() -> (name: String, index: Int, value: Float)? {
        for name in names {
            guard let t = tensors[name] else { continue }
            for i in 0..<t.count where !t.ptr[i].isFinite { return (name, i, t.ptr[i]) }
        }
        return nil
    }
}
