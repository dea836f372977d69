// Copyright 2026 The Distill authors.

import DistillEngine
import DistillModels
import DistillService
import DistillStore

/// A library error the CLI prints as `error: <message>` with exit code 2 (user's to fix) or 1.
protocol UserFacingError: Error {
    var message: String { get }
    var isUsersToFix: Bool { get }
}

extension StoreError: UserFacingError {
    var isUsersToFix: Bool { code == .invalidArgument || code == .notFound }
}

extension ServiceError: UserFacingError {
    var isUsersToFix: Bool { code == .invalidArgument }
}

extension ModelsError: UserFacingError {
    var isUsersToFix: Bool { code == .invalidArgument }
}

extension EngineError: UserFacingError {
    var isUsersToFix: Bool { code == .invalidArgument }
}
