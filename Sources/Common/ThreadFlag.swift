import Foundation

/// A Bool per thread that reads true until the thread sets it false: a pthread key, so reading it on every
/// op costs no lock and no dictionary lookup.
public struct ThreadFlag: @unchecked Sendable {
    @usableFromInline let key: pthread_key_t

    public init() {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        key = k
    }

    public var value: Bool {
        @inlinable get { pthread_getspecific(key) == nil }
        nonmutating set { pthread_setspecific(key, newValue ? nil : UnsafeRawPointer(bitPattern: 1)) }
    }
}
