// Copyright 2026 The Distill authors.
// The report's one plotting module: a line/scatter chart written as standalone SVG text (no scripts, fonts or
// external references), with a linear or logarithmic x axis, labelled points, series joined by lines, dashed
// horizontal reference lines and highlighted points. Every point is a <circle class="point"> carrying its
// series, label and data values (data-x, data-y), so tests and browsers can read the plot back.

import Foundation

/// A chart rendered as SVG.
public struct SVGChart: Sendable {
    /// One data point.
    public struct Point: Sendable, Equatable {
        /// Horizontal value (positive for a log axis).
        public var x: Double
        /// Vertical value.
        public var y: Double
        /// Text written next to the point (nil: none).
        public var label: String?
        /// Drawn with a ring (points on the Pareto front).
        public var highlighted: Bool

        /// Creates a point.
        public init(x: Double, y: Double, label: String? = nil, highlighted: Bool = false) {
            self.x = x
            self.y = y
            self.label = label
            self.highlighted = highlighted
        }
    }

    /// Points drawn in one colour, joined in x order when `joined`.
    public struct Series: Sendable {
        /// The legend text.
        public var name: String
        /// The points.
        public var points: [Point]
        /// Whether a line joins the points (in increasing x).
        public var joined: Bool

        /// Creates a series.
        public init(name: String, points: [Point], joined: Bool = true) {
            self.name = name
            self.points = points
            self.joined = joined
        }
    }

    /// How values map to pixels along one axis.
    public struct Axis: Sendable, Equatable {
        /// Smallest value shown.
        public var minimum: Double
        /// Largest value shown.
        public var maximum: Double
        /// Logarithmic (base 10).
        public var logarithmic: Bool
        /// Pixel of `minimum`.
        public var start: Double
        /// Pixel of `maximum`.
        public var end: Double

        /// The pixel of a value.
        public func position(of value: Double) -> Double {
            let transform = { (v: Double) in logarithmic ? log10(max(v, .leastNormalMagnitude)) : v }
            let low = transform(minimum)
            let high = transform(maximum)
            let fraction = high > low ? (transform(value) - low) / (high - low) : 0.5
            return start + fraction * (end - start)
        }
    }

    /// Title above the plot.
    public var title: String
    /// Horizontal axis title.
    public var xTitle: String
    /// Vertical axis title.
    public var yTitle: String
    /// Logarithmic x axis.
    public var logarithmicX: Bool
    /// The series.
    public var series: [Series]
    /// Dashed horizontal lines (value, label), such as the teacher's metric.
    public var references: [(y: Double, label: String)]
    /// Width and height in pixels.
    public var width: Double = 720
    /// Height in pixels.
    public var height: Double = 440

    private static let margin = (left: 70.0, right: 150.0, top: 40.0, bottom: 56.0)
    private static let palette = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
    ]

    /// Creates a chart.
    public init(
        title: String, xTitle: String, yTitle: String, logarithmicX: Bool, series: [Series],
        references: [(y: Double, label: String)] = []
    ) {
        self.title = title
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.logarithmicX = logarithmicX
        self.series = series
        self.references = references
    }

    /// The x axis: the points' range (with a margin), in pixels.
    public var xAxis: Axis {
        let values = series.flatMap { $0.points.map(\.x) }.filter { !logarithmicX || $0 > 0 }
        var low = values.min() ?? 1
        var high = values.max() ?? 10
        if logarithmicX {
            low /= 1.25
            high *= 1.25
        } else {
            let pad = max((high - low) * 0.08, abs(high) * 0.01, 1e-9)
            low -= pad
            high += pad
        }
        return Axis(
            minimum: low, maximum: high, logarithmic: logarithmicX, start: Self.margin.left,
            end: width - Self.margin.right)
    }

    /// The y axis: the points' and references' range (with a margin), in pixels (up is larger).
    public var yAxis: Axis {
        let values = series.flatMap { $0.points.map(\.y) } + references.map(\.y)
        var low = values.min() ?? 0
        var high = values.max() ?? 1
        let pad = max((high - low) * 0.1, abs(high) * 0.01, 1e-6)
        low -= pad
        high += pad
        return Axis(
            minimum: low, maximum: high, logarithmic: false, start: height - Self.margin.bottom, end: Self.margin.top)
    }

    /// The chart as SVG.
    /// - Parameter standalone: A document of its own (with the SVG namespace); false for inline use in HTML,
    ///   which needs no namespace (and so no URL at all).
    /// - Returns: The SVG text.
    public func render(standalone: Bool = true) -> String {
        let x = xAxis
        let y = yAxis
        let namespace = standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : ""
        var svg = """
            <svg\(namespace) width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
            <title>\(escape(title))</title>
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2 - Self.margin.right / 2))" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

            """
        // Axes, ticks and grid.
        svg += line(x.start, y.start, x.end, y.start, stroke: "#333")
        svg += line(x.start, y.start, x.start, y.end, stroke: "#333")
        for tick in ticks(x) {
            let px = x.position(of: tick)
            svg += line(px, y.start, px, y.end, stroke: "#eee")
            svg += "<text x=\"\(f(px))\" y=\"\(f(y.start + 16))\" text-anchor=\"middle\">\(label(tick))</text>\n"
        }
        for tick in ticks(y) {
            let py = y.position(of: tick)
            svg += line(x.start, py, x.end, py, stroke: "#eee")
            svg += "<text x=\"\(f(x.start - 6))\" y=\"\(f(py + 4))\" text-anchor=\"end\">\(label(tick))</text>\n"
        }
        svg += """
            <text x="\(f((x.start + x.end) / 2))" y="\(f(height - 12))" text-anchor="middle">\(escape(xTitle))</text>
            <text transform="translate(16 \(f((y.start + y.end) / 2))) rotate(-90)" text-anchor="middle">\(escape(yTitle))</text>

            """
        for reference in references {
            let py = y.position(of: reference.y)
            svg += "<line class=\"reference\" x1=\"\(f(x.start))\" y1=\"\(f(py))\" x2=\"\(f(x.end))\" y2=\"\(f(py))\" "
            svg += "stroke=\"#555\" stroke-dasharray=\"6 4\"/>\n"
            svg += "<text x=\"\(f(x.end - 4))\" y=\"\(f(py - 5))\" text-anchor=\"end\" fill=\"#555\">"
            svg += "\(escape(reference.label))</text>\n"
        }
        for (index, series) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let points = series.points.filter { !logarithmicX || $0.x > 0 }.sorted { $0.x < $1.x }
            if series.joined, points.count > 1 {
                let path = points.map { "\(f(x.position(of: $0.x))),\(f(y.position(of: $0.y)))" }.joined(separator: " ")
                svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n"
            }
            for point in points {
                let px = x.position(of: point.x)
                let py = y.position(of: point.y)
                if point.highlighted {
                    svg += "<circle class=\"front\" cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"8\" fill=\"none\" "
                    svg += "stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n"
                }
                svg += "<circle class=\"point\" cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"4\" fill=\"\(colour)\" "
                svg += "data-series=\"\(escape(series.name))\" data-label=\"\(escape(point.label ?? ""))\" "
                svg += "data-x=\"\(point.x)\" data-y=\"\(point.y)\"><title>\(escape(point.label ?? series.name)): "
                svg += "\(label(point.x)), \(label(point.y))</title></circle>\n"
                if let text = point.label {
                    svg +=
                        "<text x=\"\(f(px + 7))\" y=\"\(f(py - 7))\" font-size=\"10\" fill=\"#333\">\(escape(text))</text>\n"
                }
            }
            // Legend.
            let ly = Self.margin.top + 18 * Double(index)
            let lx = width - Self.margin.right + 14
            svg += "<circle cx=\"\(f(lx))\" cy=\"\(f(ly))\" r=\"4\" fill=\"\(colour)\"/>"
            svg += "<text x=\"\(f(lx + 9))\" y=\"\(f(ly + 4))\">\(escape(series.name))</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    // MARK: - Private

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\"/>\n"
    }

    /// Round tick values: powers of 1, 2, 5 × 10ⁿ on a log axis, about six steps on a linear one.
    private func ticks(_ axis: Axis) -> [Double] {
        guard axis.maximum > axis.minimum else { return [axis.minimum] }
        if axis.logarithmic {
            var values: [Double] = []
            var decade = pow(10, floor(log10(axis.minimum)))
            while decade <= axis.maximum {
                for step in [1.0, 2, 5] where decade * step >= axis.minimum && decade * step <= axis.maximum {
                    values.append(decade * step)
                }
                decade *= 10
            }
            return values
        }
        let raw = (axis.maximum - axis.minimum) / 6
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var value = ceil(axis.minimum / step) * step
        var values: [Double] = []
        while value <= axis.maximum + step * 1e-9 {
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return values
    }

    /// A short number: 1.5M, 230k, 0.72, 3.1e-05.
    private func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e9 { return String(format: "%.3gG", value / 1e9) }
        if magnitude >= 1e6 { return String(format: "%.3gM", value / 1e6) }
        if magnitude >= 1e4 { return String(format: "%.3gk", value / 1e3) }
        return String(format: "%.3g", value)
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// Text made safe inside XML and HTML (element content and quoted attributes).
func escape(_ text: String) -> String {
    var out = ""
    for character in text.unicodeScalars {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default:
            out.unicodeScalars.append(
                character.value < 0x20 && character != "\n" && character != "\t" ? "?" : character)
        }
    }
    return out
}
