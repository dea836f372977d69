// Copyright 2026 The Distill authors.

import DistillData

extension DataError: UserFacingError {
    var isUsersToFix: Bool { code == .invalidArgument || code == .missingInput }
}
