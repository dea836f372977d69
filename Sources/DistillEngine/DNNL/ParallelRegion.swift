// Copyright 2026 The Distill authors.
// Host kernels run on oneDNN's own OpenMP team (libgomp's `GOMP_parallel`, what `#pragma omp parallel` compiles
// to) rather than on other threads: between primitives libgomp's threads spin for a while waiting for the next
// one, and a second pool would fight them for the same cores.

import CDNNL

/// One parallel region on the OpenMP team oneDNN uses.
enum ParallelRegion {
    /// Runs `body(thread, threads)` once on each thread of a team of `ComputeContext.threadCount` threads (the
    /// caller is thread 0) and returns when every call has returned.
    /// - Parameter body: Work for one thread; calls run at the same time, so they must write disjoint memory.
    static func run(_ body: (_ thread: Int, _ threads: Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            let work = Work(body)
            withExtendedLifetime(work) {
                GOMP_parallel(
                    { raw in
                        guard let raw else { return }
                        let work = Unmanaged<Work>.fromOpaque(raw).takeUnretainedValue()
                        work.body(Int(omp_get_thread_num()), Int(omp_get_num_threads()))
                    }, Unmanaged.passUnretained(work).toOpaque(), 0, 0)
            }
        }
    }

    /// Runs `body(index)` once for every index of `0..<count`, each thread of the team taking a consecutive share.
    /// - Parameter body: Work for one index; calls run at the same time, so they must write disjoint memory.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        run { thread, threads in
            for index in share(of: count, thread: thread, threads: threads) { body(index) }
        }
    }

    /// Splits `0..<count` into `threads` nearly equal consecutive ranges and returns the `thread`-th.
    static func share(of count: Int, thread: Int, threads: Int) -> Range<Int> {
        let threads = max(threads, 1)
        return (count * thread / threads)..<(count * (thread + 1) / threads)
    }

    private final class Work {
        let body: (Int, Int) -> Void
        init(_ body: @escaping (Int, Int) -> Void) { self.body = body }
    }
}
