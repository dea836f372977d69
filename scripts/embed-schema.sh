#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# Regenerates Sources/DistillStore/Schema+Migrations.swift from schema.sql (the one description of the
# database), so the binary carries its schema and needs no resource bundle next to it.
# A test fails when the two disagree: run `make schema` after editing schema.sql.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/DistillStore/Schema+Migrations.swift
{
  echo "// Copyright 2026 The Distill authors."
  echo "// GENERATED from schema.sql by scripts/embed-schema.sh (make schema). Do not edit by hand."
  echo ""
  echo "extension Schema {"
  echo "    /// Migration v1: the text of schema.sql."
  echo "    public static let version1 = #\"\"\""
  sed 's/^/        /; s/^ *$//' schema.sql
  echo "        \"\"\"#"
  echo "}"
} > "$out"
echo "wrote $out"
