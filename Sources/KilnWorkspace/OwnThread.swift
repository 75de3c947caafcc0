import Foundation

/// Blocking disk work done on a thread of its own, awaited without holding a thread of Swift's cooperative pool:
/// for work too large to run there (removing a half-built environment of thousands of files, on a network mount).
public enum OwnThread {
    public static func run<T: Sendable>(_ name: String, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = name
            thread.start()
        }
    }
}
