// Copyright 2026 The Distill authors.
