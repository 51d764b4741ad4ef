import Common

/// The per-thread fan-out switch (`Parallel.fanOut`) under the name callers of Tensor know: off, ops called
/// on this thread keep to it (a background learner beside a window); the parts and results stay the same.
/// OpenBLAS has its own, process-wide setting: `BLAS.threads`.
public enum TensorThreads {
    /// Whether this thread's ops fan out (default true).
    public static var fanOut: Bool {
        get { Parallel.fanOut }
        set { Parallel.fanOut = newValue }
    }
}
