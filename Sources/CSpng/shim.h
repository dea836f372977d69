// Copyright 2026 The Distill authors.
// libspng (Debian libspng-dev).
#ifndef DISTILL_CSPNG_SHIM_H
#define DISTILL_CSPNG_SHIM_H
#include <spng.h>
#endif
