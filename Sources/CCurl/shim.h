// Copyright 2026 The Distill authors.
// libcurl 7.88 with typed wrappers for its variadic functions.
#ifndef DISTILL_CCURL_SHIM_H
#define DISTILL_CCURL_SHIM_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

static inline CURLcode distill_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode distill_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode distill_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode distill_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode distill_curl_setopt_write(CURL *h, CURLoption o, size_t (*f)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, o, f);
}
static inline CURLcode distill_curl_setopt_opensocket(CURL *h, CURLoption o, curl_opensocket_callback f) {
    return curl_easy_setopt(h, o, f);
}
/// The IP address of a socket libcurl is about to open: copies 4 (AF_INET) or 16 (AF_INET6) bytes into `out`
/// and returns their count, 0 for other families. (sockaddr_in keeps the address at byte 4, sockaddr_in6 at 8.)
static inline int distill_curl_sockaddr_ip(const struct curl_sockaddr *a, unsigned char out[16]) {
    const unsigned char *raw = (const unsigned char *)&a->addr;
    int offset = a->family == AF_INET ? 4 : a->family == AF_INET6 ? 8 : -1;
    int count = a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
    for (int i = 0; i < count; i++) out[i] = raw[offset + i];
    return count;
}
static inline CURLcode distill_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode distill_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode distill_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode distill_curl_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode distill_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

#endif
