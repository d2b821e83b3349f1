#ifndef DROPFORGE_CLIBZ_SHIM_H
#define DROPFORGE_CLIBZ_SHIM_H
#include <zlib.h>

/* inflateInit2 is a macro, which Swift cannot call: windowBits 15 reads a zlib stream, -15 raw deflate. */
static inline int dfz_inflate_init2(z_streamp strm, int window_bits) {
    return inflateInit2(strm, window_bits);
}
#endif
