// Copyright 2026 The Distill authors.

/// A layer's name as the prefix of its tensors in int8 files: "blockN.dw" becomes "bN.dw".
///
/// Operators and nodes keep the full name. An int8 graph names several tensors per layer, and at alpha 0.25 the full names alone
/// cost about 1% of the file; with them the int8 files of the smallest students stay under 30% of the float32
/// ones.
func compactLayerName(_ layer: String) -> String {
    layer.hasPrefix("block") ? "b" + layer.dropFirst("block".count) : layer
}
