// Copyright 2026 The Distill authors.
// zlib (Debian zlib1g-dev): gzip file reading for the Fashion-MNIST IDX files.
#ifndef DISTILL_CZLIB_SHIM_H
#define DISTILL_CZLIB_SHIM_H
#include <zlib.h>
#endif
