#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# Regenerates Sources/DistillStore/Schema+Migrations.swift from schema.sql (migration v1, the description of
# the database), migrations/vN.sql (each later step) and migrations/postgres/vN.sql (PostgreSQL's), so the
# binary carries its schema and needs no resource bundle next to it. A test fails when they disagree: run `make schema` after adding a migration.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/DistillStore/Schema+Migrations.swift
embed() {
  echo "    /// Migration $1: the text of $2."
  echo "    public static let $3 = #\"\"\""
  sed 's/^/        /; s/^ *$//' "$2"
  echo "        \"\"\"#"
}
{
  echo "// Copyright 2026 The Distill authors."
  echo "// GENERATED from schema.sql and migrations/ by scripts/embed-schema.sh (make schema). Do not edit by hand."
  echo ""
  echo "extension Schema {"
  embed v1 schema.sql version1
  for file in migrations/v*.sql; do
    n=$(basename "$file" .sql); n=${n#v}
    echo ""
    embed "v$n" "$file" "version$n"
  done
  for file in migrations/postgres/v*.sql; do
    n=$(basename "$file" .sql); n=${n#v}
    echo ""
    embed "v$n (PostgreSQL)" "$file" "postgresVersion$n"
  done
  echo "}"
} > "$out"
echo "wrote $out"
