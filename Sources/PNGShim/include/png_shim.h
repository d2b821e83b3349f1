/*
 * png_shim.h — a small C boundary around libpng for dropforge.
 *
 * Why: libpng reports errors by longjmp-ing out of the failing call. Unwinding
 * through Swift frames that way is undefined behaviour, so every libpng call
 * lives in png_shim.c behind its own setjmp, and errors come back here as a
 * return code plus a message string. This header deliberately does not include
 * <png.h> so Swift only sees plain C types.
 *
 * All functions return 0 on success and non-zero on failure; on failure a
 * NUL-terminated message is written into `error` (at most error_capacity bytes).
 */
#ifndef DROPFORGE_PNG_SHIM_H
#define DROPFORGE_PNG_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Text chunk kinds, in the shim's numbering. */
enum {
    DFPNG_KIND_TEXT = 0, /* tEXt: Latin-1, uncompressed */
    DFPNG_KIND_ZTXT = 1, /* zTXt: Latin-1, deflated */
    DFPNG_KIND_ITXT = 2  /* iTXt: UTF-8, optionally deflated */
};

/* Row filters for encoding, as libpng's PNG_FILTER_* mask values. */
enum {
    DFPNG_FILTER_SUB = 0x10,
    DFPNG_FILTERS_ALL = 0xF8
};

typedef struct dfpng_text_in {
    int kind;             /* DFPNG_KIND_* */
    int compressed;       /* iTXt only: non-zero = deflate the text */
    const char *keyword;  /* NUL-terminated Latin-1 bytes, 1-79 bytes */
    const char *text;     /* NUL-terminated: Latin-1 bytes (tEXt/zTXt) or UTF-8 (iTXt) */
} dfpng_text_in;

typedef struct dfpng_text_out {
    int kind;             /* DFPNG_KIND_* */
    char *keyword;        /* NUL-terminated Latin-1 bytes (malloc'd) */
    char *text;           /* NUL-terminated bytes (malloc'd): Latin-1 or UTF-8 by kind */
    size_t text_length;   /* bytes, without the terminator */
} dfpng_text_out;

typedef struct dfpng_header {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    int color_type;       /* PNG colour type as stored in IHDR (0,2,3,4,6) */
    int interlaced;       /* non-zero for Adam7 */
} dfpng_header;

typedef struct dfpng_limits {
    uint32_t max_width;
    uint32_t max_height;
    uint64_t max_decoded_bytes;  /* width * height * 4 of the RGBA8 output */
    uint64_t max_text_bytes;     /* per text chunk, after decompression */
} dfpng_limits;

typedef struct dfpng_decoded {
    uint32_t width;
    uint32_t height;
    uint8_t *pixels;            /* RGBA8, row-major, width*4 bytes per row (malloc'd) */
    size_t pixels_size;
    dfpng_text_out *texts;      /* in file order (malloc'd) */
    size_t text_count;
    char *warnings;             /* libpng warnings, '\n'-separated, or NULL (malloc'd) */
} dfpng_decoded;

/* Encode RGBA8 pixels (rows of width*4 bytes, top to bottom) into a malloc'd PNG
 * buffer (*out_data, free with dfpng_free). Deterministic: no tIME chunk, and
 * the given zlib level and filter mask (DFPNG_FILTER*). Text chunks go before
 * IDAT in the given order. */
int dfpng_encode_rgba8(uint32_t width, uint32_t height, const uint8_t *pixels,
                       const dfpng_text_in *texts, size_t text_count,
                       int compression_level, int filters,
                       uint8_t **out_data, size_t *out_size,
                       char *error, size_t error_capacity);

/* Decode a PNG held in memory into RGBA8, honouring `limits` before any pixel
 * memory is allocated. On success fill *out; release with dfpng_decoded_free. */
int dfpng_decode_rgba8(const uint8_t *data, size_t size, const dfpng_limits *limits,
                       dfpng_decoded *out, char *error, size_t error_capacity);

/* Read IHDR (through libpng, skipping text chunks) without decoding pixels. */
int dfpng_read_header(const uint8_t *data, size_t size, dfpng_header *out,
                      char *error, size_t error_capacity);

void dfpng_decoded_free(dfpng_decoded *decoded);
void dfpng_free(void *pointer);

/* ---- zlib without libpng: chunk CRCs and deflate (inflating is ZlibInflater's, in Swift) ---- */

/* CRC-32 as PNG chunks use it (zlib's crc32); start with crc = 0. */
uint32_t dfz_crc32(uint32_t crc, const uint8_t *data, size_t size);

/* Deflate `in` into one zlib stream (malloc'd, free with dfpng_free). Level 0-9
 * or -1 for zlib's default; deterministic for a given zlib build and level. */
int dfz_deflate(const uint8_t *in, size_t in_size, int level,
                uint8_t **out, size_t *out_size,
                char *error, size_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif
