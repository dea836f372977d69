// Copyright 2026 The Distill authors.
// Times oneDNN convolution primitives (forward training, backward data, backward weights) on MobileNet V1
// α1.0/224 shapes, layouts chosen by oneDNN (format any), best of REPS runs each. Builds against oneDNN 2.x
// (Debian's) or 3.x (PyPI's); scripts/onednn-versions.sh runs it against each. Usage: convbench [BATCH] [REPS].
#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(x)                                                                                                   \
    do {                                                                                                           \
        dnnl_status_t s = (x);                                                                                     \
        if (s != dnnl_success) {                                                                                   \
            fprintf(stderr, "%s failed: %d (line %d)\n", #x, s, __LINE__);                                       \
            exit(1);                                                                                               \
        }                                                                                                          \
    } while (0)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static dnnl_engine_t engine;
static dnnl_stream_t stream;

#if DNNL_VERSION_MAJOR >= 3
typedef dnnl_memory_desc_t md_t;
static md_t make_md(int nd, const dnnl_dims_t dims, dnnl_format_tag_t tag) {
    md_t md;
    CHECK(dnnl_memory_desc_create_with_tag(&md, nd, dims, dnnl_f32, tag));
    return md;
}
#define MDP(md) (md)
#define QUERY(pd, what) dnnl_primitive_desc_query_md(pd, what, 0)
#else
typedef dnnl_memory_desc_t md_t;
static md_t make_md(int nd, const dnnl_dims_t dims, dnnl_format_tag_t tag) {
    md_t md;
    CHECK(dnnl_memory_desc_init_by_tag(&md, nd, dims, dnnl_f32, tag));
    return md;
}
#define MDP(md) (&(md))
#define QUERY(pd, what) dnnl_primitive_desc_query_md(pd, what, 0)
#endif

static dnnl_memory_t alloc(const void *md) {
    dnnl_memory_t m;
    CHECK(dnnl_memory_create(&m, md, engine, DNNL_MEMORY_ALLOCATE));
    void *p;
    CHECK(dnnl_memory_get_data_handle(m, &p));
#if DNNL_VERSION_MAJOR >= 3
    size_t size = dnnl_memory_desc_get_size(md);
#else
    size_t size = dnnl_memory_desc_get_size((const dnnl_memory_desc_t *)md);
#endif
    float *f = p;
    for (size_t i = 0; i < size / 4; i++) f[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return m;
}

static double time_primitive(dnnl_primitive_t prim, int nargs, dnnl_exec_arg_t *args, int reps) {
    double best = 1e30;
    for (int r = 0; r < reps + 1; r++) {
        double t0 = now();
        CHECK(dnnl_primitive_execute(prim, stream, nargs, args));
        CHECK(dnnl_stream_wait(stream));
        double t = now() - t0;
        if (r > 0 && t < best) best = t;
    }
    return best;
}

// One convolution layer: depthwise when groups > 1.
static void layer(int n, int ic, int oc, int hw, int k, int stride, int groups, int reps, double totals[3]) {
    int pad = k / 2;
    int ohw = (hw + 2 * pad - k) / stride + 1;
    dnnl_dims_t src_d = {n, ic, hw, hw}, dst_d = {n, oc, ohw, ohw};
    dnnl_dims_t strides = {stride, stride}, dil = {0, 0}, pl = {pad, pad}, pr = {pad, pad};
    // Right padding so the output size matches.
    pr[0] = pr[1] = (ohw - 1) * stride + k - hw - pad;
    md_t src = make_md(4, src_d, dnnl_format_tag_any);
    md_t dst = make_md(4, dst_d, dnnl_format_tag_any);
    md_t wei;
    if (groups > 1) {
        dnnl_dims_t w_d = {groups, oc / groups, ic / groups, k, k};
        wei = make_md(5, w_d, dnnl_format_tag_any);
    } else {
        dnnl_dims_t w_d = {oc, ic, k, k};
        wei = make_md(4, w_d, dnnl_format_tag_any);
    }
    dnnl_primitive_desc_t fwd_pd, bwd_d_pd, bwd_w_pd;
#if DNNL_VERSION_MAJOR >= 3
    CHECK(dnnl_convolution_forward_primitive_desc_create(&fwd_pd, engine, dnnl_forward_training,
                                                        dnnl_convolution_direct, src, wei, NULL, dst, strides, dil,
                                                        pl, pr, NULL));
    CHECK(dnnl_convolution_backward_data_primitive_desc_create(&bwd_d_pd, engine, dnnl_convolution_direct, src, wei,
                                                               dst, strides, dil, pl, pr, fwd_pd, NULL));
    CHECK(dnnl_convolution_backward_weights_primitive_desc_create(&bwd_w_pd, engine, dnnl_convolution_direct, src,
                                                                  wei, NULL, dst, strides, dil, pl, pr, fwd_pd,
                                                                  NULL));
#else
    dnnl_convolution_desc_t fd, bdd, bwd;
    CHECK(dnnl_dilated_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct, &src, &wei,
                                                     NULL, &dst, strides, dil, pl, pr));
    CHECK(dnnl_primitive_desc_create(&fwd_pd, &fd, NULL, engine, NULL));
    CHECK(dnnl_dilated_convolution_backward_data_desc_init(&bdd, dnnl_convolution_direct, &src, &wei, &dst, strides,
                                                           dil, pl, pr));
    CHECK(dnnl_primitive_desc_create(&bwd_d_pd, &bdd, NULL, engine, fwd_pd));
    CHECK(dnnl_dilated_convolution_backward_weights_desc_init(&bwd, dnnl_convolution_direct, &src, &wei, NULL, &dst,
                                                              strides, dil, pl, pr));
    CHECK(dnnl_primitive_desc_create(&bwd_w_pd, &bwd, NULL, engine, fwd_pd));
#endif
    dnnl_memory_t m_src = alloc(QUERY(fwd_pd, dnnl_query_src_md));
    dnnl_memory_t m_wei = alloc(QUERY(fwd_pd, dnnl_query_weights_md));
    dnnl_memory_t m_dst = alloc(QUERY(fwd_pd, dnnl_query_dst_md));
    dnnl_memory_t m_dsrc = alloc(QUERY(bwd_d_pd, dnnl_query_diff_src_md));
    dnnl_memory_t m_ddst = alloc(QUERY(bwd_d_pd, dnnl_query_diff_dst_md));
    dnnl_memory_t m_dwei = alloc(QUERY(bwd_w_pd, dnnl_query_diff_weights_md));
    dnnl_memory_t m_ddst_w = alloc(QUERY(bwd_w_pd, dnnl_query_diff_dst_md));
    dnnl_memory_t m_src_w = alloc(QUERY(bwd_w_pd, dnnl_query_src_md));
    dnnl_primitive_t fwd, bwd_d, bwd_w;
    CHECK(dnnl_primitive_create(&fwd, fwd_pd));
    CHECK(dnnl_primitive_create(&bwd_d, bwd_d_pd));
    CHECK(dnnl_primitive_create(&bwd_w, bwd_w_pd));
    dnnl_exec_arg_t fa[] = {{DNNL_ARG_SRC, m_src}, {DNNL_ARG_WEIGHTS, m_wei}, {DNNL_ARG_DST, m_dst}};
    dnnl_exec_arg_t da[] = {{DNNL_ARG_DIFF_DST, m_ddst}, {DNNL_ARG_WEIGHTS, m_wei}, {DNNL_ARG_DIFF_SRC, m_dsrc}};
    dnnl_exec_arg_t wa[] = {{DNNL_ARG_SRC, m_src_w}, {DNNL_ARG_DIFF_DST, m_ddst_w}, {DNNL_ARG_DIFF_WEIGHTS, m_dwei}};
    double tf = time_primitive(fwd, 3, fa, reps);
    double td = time_primitive(bwd_d, 3, da, reps);
    double tw = time_primitive(bwd_w, 3, wa, reps);
    const char *nf, *nd, *nw;
    dnnl_primitive_desc_query(fwd_pd, dnnl_query_impl_info_str, 0, &nf);
    dnnl_primitive_desc_query(bwd_d_pd, dnnl_query_impl_info_str, 0, &nd);
    dnnl_primitive_desc_query(bwd_w_pd, dnnl_query_impl_info_str, 0, &nw);
    double macs = (double)n * oc * ohw * ohw * (ic / groups) * k * k;
    printf("%s %4d->%4d %3d s%d: fwd %7.2f ms (%5.1f GF/s, %s) bwd_d %7.2f ms (%s) bwd_w %7.2f ms (%s)\n",
           groups > 1 ? "dw" : "pw", ic, oc, hw, stride, tf * 1e3, 2 * macs / tf * 1e-9, nf, td * 1e3, nd, tw * 1e3,
           nw);
    totals[0] += tf;
    totals[1] += td;
    totals[2] += tw;
    dnnl_primitive_destroy(fwd);
    dnnl_primitive_destroy(bwd_d);
    dnnl_primitive_destroy(bwd_w);
    dnnl_memory_t all[] = {m_src, m_wei, m_dst, m_dsrc, m_ddst, m_dwei, m_ddst_w, m_src_w};
    for (int i = 0; i < 8; i++) dnnl_memory_destroy(all[i]);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 32;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    const dnnl_version_t *v = dnnl_version();
    printf("oneDNN %d.%d.%d (%s)\n", v->major, v->minor, v->patch, v->hash);
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    // MobileNet V1 α1.0/224 after the first convolution: (channels in, channels out, size, depthwise stride).
    int blocks[][4] = {{32, 64, 112, 1},   {64, 128, 112, 2},  {128, 128, 56, 1}, {128, 256, 56, 2},
                       {256, 256, 28, 1},  {256, 512, 28, 2},  {512, 512, 14, 1}, {512, 512, 14, 1},
                       {512, 512, 14, 1},  {512, 512, 14, 1},  {512, 512, 14, 1}, {512, 1024, 14, 2},
                       {1024, 1024, 7, 1}};
    double pw[3] = {0}, dw[3] = {0};
    for (int i = 0; i < 13; i++) {
        int c = blocks[i][0], o = blocks[i][1], hw = blocks[i][2], s = blocks[i][3];
        layer(n, c, c, hw, 3, s, c, reps, dw);
        layer(n, c, o, hw / s, 1, 1, 1, reps, pw);
    }
    printf("TOTAL pointwise fwd %.1f bwd_d %.1f bwd_w %.1f = %.1f ms; depthwise fwd %.1f bwd_d %.1f bwd_w %.1f = %.1f "
           "ms\n",
           pw[0] * 1e3, pw[1] * 1e3, pw[2] * 1e3, (pw[0] + pw[1] + pw[2]) * 1e3, dw[0] * 1e3, dw[1] * 1e3,
           dw[2] * 1e3, (dw[0] + dw[1] + dw[2]) * 1e3);
    return 0;
}
