// Copyright 2026 The Distill authors.
// `distill results` in a terminal: figures rounded to what matters (4 decimals for metrics, millions for counts,
// ms with 3 decimals), and by default only the columns that tell students apart, so a sweep fits 120 columns.
// CSV and JSON keep every column at full precision.

import DistillStore
import Foundation

enum ResultsTable {
    /// Columns shown without `--wide` (metric columns only when some row has a value).
    static let compact = [
        "job_id", "run_name", "state", "top1", "teacher_agreement", "mean_ap", "verification_accuracy",
        "parameters", "mult_adds", "latency_ms_batch1", "train_seconds", "int8_metric_delta", "tflite_int8_bytes",
        "int8_latency_ms_batch1",
    ]
    /// int8 columns (`export_int8` jobs), shown without `--wide` only when some row has a value.
    static let int8Columns: Set<String> = [
        "int8_top1", "int8_teacher_agreement", "int8_mean_ap", "int8_verification_accuracy", "int8_metric_delta",
        "onnx_bytes", "tflite_bytes", "onnx_int8_bytes", "tflite_int8_bytes", "int8_latency_ms_batch1",
        "int8_latency_ms_batchN",
    ]
    static let metricColumns: Set<String> = [
        "top1", "teacher_agreement", "mean_ap", "verification_accuracy", "teacher_kl", "embedding_distance",
        "int8_top1", "int8_teacher_agreement", "int8_mean_ap", "int8_verification_accuracy", "int8_metric_delta",
    ]
    static let headings = [
        "teacher_agreement": "agreement", "verification_accuracy": "verification", "parameters": "params_M",
        "parameters_deployed": "params_deployed_M", "mult_adds": "mult_adds_M", "flops": "flops_M",
        "memory_access_bytes": "memory_MB", "latency_ms_batch1": "latency_b1_ms", "latency_ms_batchN": "latency_bN_ms",
        "train_seconds": "train_s", "int8_metric_delta": "int8_delta", "tflite_int8_bytes": "tflite_int8_KB",
        "tflite_bytes": "tflite_KB", "onnx_bytes": "onnx_KB", "onnx_int8_bytes": "onnx_int8_KB",
        "int8_latency_ms_batch1": "int8_b1_ms", "int8_latency_ms_batchN": "int8_bN_ms",
    ]

    /// The table as text.
    /// - Parameters:
    ///   - table: Rows of the `sweep_results` view.
    ///   - wide: Every column.
    /// - Returns: Aligned text.
    static func render(_ table: QueryTable, wide: Bool) -> String {
        let indices = table.columns.indices.filter { index in
            let column = table.columns[index]
            if wide { return true }
            guard compact.contains(column) else { return false }
            if metricColumns.contains(column) || int8Columns.contains(column) {
                return table.rows.contains { $0[index] != .null }
            }
            return true
        }
        let header = indices.map { headings[table.columns[$0]] ?? table.columns[$0] }
        let rows = table.rows.map { row in indices.map { format(row[$0], column: table.columns[$0]) } }
        return Output.table(header, rows)
    }

    static func format(_ value: QueryTable.Value, column: String) -> String {
        let number: Double
        switch value {
        case .null: return "-"
        case .integer(let int): number = Double(int)
        case .real(let real): number = real
        case .text: return value.description
        }
        switch column {
        case _ where metricColumns.contains(column): return String(format: "%.4f", number)
        case "parameters", "parameters_deployed", "mult_adds", "flops": return String(format: "%.2f", number / 1e6)
        case "memory_access_bytes": return String(format: "%.2f", number / 1e6)
        case "latency_ms_batch1", "latency_ms_batchN", "int8_latency_ms_batch1", "int8_latency_ms_batchN":
            return String(format: "%.3f", number)
        case "onnx_bytes", "tflite_bytes", "onnx_int8_bytes", "tflite_int8_bytes":
            return String(format: "%.1f", number / 1000)
        case "energy_mj": return String(format: "%.4f", number)
        case "train_seconds": return String(format: "%.1f", number)
        default: return value.description
        }
    }
}
