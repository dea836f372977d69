// Copyright 2026 The Distill authors.
// libjpeg-turbo's TurboJPEG API (Debian libturbojpeg0-dev).
#ifndef DISTILL_CTURBOJPEG_SHIM_H
#define DISTILL_CTURBOJPEG_SHIM_H
#include <turbojpeg.h>
#endif
