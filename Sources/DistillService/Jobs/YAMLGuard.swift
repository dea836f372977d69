// Copyright 2026 The Distill authors.
// A pass over a job file's YAML events before Yams composes the document. Composing resolves aliases by
// copying the anchored node, and Yams hashes every mapping key, so a few lines of nested aliases (a
// "billion laughs" key) expand without bound; deep nesting recurses without bound. Job files need neither,
// so this pass refuses anchors and aliases and caps nesting depth and node count before anything is built.
// It uses libyaml (Yams's CYaml module) directly; syntax errors are left for Yams to report.

import CYaml

/// Refuses YAML features job files do not need and that make composing a document unbounded.
enum YAMLGuard {
    /// Deepest nesting of mappings and lists accepted.
    static let maximumDepth = 32
    /// Most nodes (scalars, mappings, lists) accepted.
    static let maximumNodes = 100_000

    /// Scans `text`'s events.
    /// - Parameters:
    ///   - text: The YAML text.
    ///   - file: The file, for messages.
    /// - Throws: `ServiceError.invalidArgument` naming the line of the first anchor or alias, or the place where
    ///   the depth or node cap is passed.
    static func check(_ text: String, file: String) throws {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw ServiceError(.runtime, "libyaml could not create a parser (out of memory?).")
        }
        defer { yaml_parser_delete(&parser) }
        var utf8 = Array(text.utf8)
        try utf8.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var depth = 0
            var nodes = 0
            while true {
                var event = yaml_event_t()
                // A syntax error: Yams reports it, with its position, when it composes the document.
                guard yaml_parser_parse(&parser, &event) == 1 else { return }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                var anchor: UnsafeMutablePointer<yaml_char_t>? = nil
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return
                case YAML_ALIAS_EVENT:
                    throw ServiceError.invalid(
                        "\(file) line \(line): the YAML alias *\(name(event.data.alias.anchor)) is not allowed; job "
                            + "files do not use anchors or aliases (they can expand a small file without bound) — "
                            + "write the value out.")
                case YAML_SCALAR_EVENT:
                    anchor = event.data.scalar.anchor
                    nodes += 1
                case YAML_SEQUENCE_START_EVENT:
                    anchor = event.data.sequence_start.anchor
                    nodes += 1
                    depth += 1
                case YAML_MAPPING_START_EVENT:
                    anchor = event.data.mapping_start.anchor
                    nodes += 1
                    depth += 1
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                default:
                    break
                }
                if let anchor {
                    throw ServiceError.invalid(
                        "\(file) line \(line): the YAML anchor &\(name(anchor)) is not allowed; job files do not use "
                            + "anchors or aliases (they can expand a small file without bound) — write the value out.")
                }
                guard depth <= maximumDepth else {
                    throw ServiceError.invalid(
                        "\(file) line \(line): mappings and lists are nested more than \(maximumDepth) deep; "
                            + "a job file needs at most 3 levels — see Jobs/ for examples.")
                }
                guard nodes <= maximumNodes else {
                    throw ServiceError.invalid(
                        "\(file) line \(line): more than \(maximumNodes) values; a job file needs a few dozen — "
                            + "see Jobs/ for examples.")
                }
            }
        }
    }

    /// An anchor's name, made safe to print.
    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String {
        guard let pointer else { return "" }
        let text = String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
        return String(ImageURLText.escaped(text).dropFirst().dropLast())
    }
}
