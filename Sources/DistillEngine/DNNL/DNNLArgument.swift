// Copyright 2026 The Distill authors.

import CDNNL

/// oneDNN execution argument kinds (`DNNL_ARG_…`) as typed constants.
enum DNNLArgument {
    static let source = Int32(DNNL_ARG_SRC)
    /// The second input of a binary primitive (the first is ``source``).
    static let source1 = Int32(DNNL_ARG_SRC_1)
    static let destination = Int32(DNNL_ARG_DST)
    static let weights = Int32(DNNL_ARG_WEIGHTS)
    static let bias = Int32(DNNL_ARG_BIAS)
    static let mean = Int32(DNNL_ARG_MEAN)
    static let variance = Int32(DNNL_ARG_VARIANCE)
    static let scale = Int32(DNNL_ARG_SCALE)
    static let shift = Int32(DNNL_ARG_SHIFT)
    static let workspace = Int32(DNNL_ARG_WORKSPACE)
    static let sourceGradient = Int32(DNNL_ARG_DIFF_SRC)
    static let destinationGradient = Int32(DNNL_ARG_DIFF_DST)
    static let weightsGradient = Int32(DNNL_ARG_DIFF_WEIGHTS)
    static let biasGradient = Int32(DNNL_ARG_DIFF_BIAS)
    static let scaleGradient = Int32(DNNL_ARG_DIFF_SCALE)
    static let shiftGradient = Int32(DNNL_ARG_DIFF_SHIFT)
    static let from = Int32(DNNL_ARG_FROM)
    static let to = Int32(DNNL_ARG_TO)
}
