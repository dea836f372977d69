// Copyright 2026 The Distill authors.
// The machine's practical float32 compute ceiling, measured with oneDNN's own GEMM (dnnl_sgemm) on
// square matrices, which runs close to the hardware's peak with the current OpenMP thread count.

import CDNNL
import Foundation

/// Measures the GEMM throughput of this machine.
public enum MatrixMultiplyPeak {
    /// Multiplies two `size`×`size` matrices `repeats` times and returns the best rate.
    /// - Parameters:
    ///   - size: The matrix side (512–4096 are sensible; 1024 by default).
    ///   - repeats: How many timed multiplications (after one warm-up).
    /// - Returns: The best observed rate in GFLOP/s (2·size³ floating-point operations per multiplication).
    /// - Throws: ``EngineError`` if `dnnl_sgemm` fails or the arguments are out of range.
    public static func measure(size: Int = 1024, repeats: Int = 10) throws -> Double {
        guard size >= 16, size <= 8192, repeats >= 1 else {
            throw EngineError(
                .invalidArgument, "GEMM peak needs size 16…8192 and repeats ≥ 1, got \(size), \(repeats).")
        }
        let a = FloatBuffer(count: size * size)
        let b = FloatBuffer(count: size * size)
        let c = FloatBuffer(count: size * size)
        for index in 0..<(size * size) {
            a[index] = Float(index % 7) * 0.125
            b[index] = Float(index % 5) * 0.25
        }
        let n = dnnl_dim_t(size)
        var best = Double.infinity
        for attempt in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let status = a.withMutableFloats { a in
                b.withMutableFloats { b in
                    c.withMutableFloats { c in
                        dnnl_sgemm(
                            Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "N")), n, n, n, 1, a.baseAddress, n,
                            b.baseAddress, n, 0, c.baseAddress, n)
                    }
                }
            }
            try dnnlCheck(status, "dnnl_sgemm(\(size)x\(size))")
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if attempt > 0 { best = min(best, seconds) }
        }
        return 2 * Double(size) * Double(size) * Double(size) / best / 1e9
    }
}
