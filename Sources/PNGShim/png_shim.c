/*
 * png_shim.c — every libpng call in dropforge happens here, behind setjmp.
 * See include/png_shim.h for the contract.
 */
#include "png_shim.h"

#include <png.h>
#include <zlib.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-call state. Heap-allocated so that nothing the error path needs lives in
 * a non-volatile automatic variable modified after setjmp. */
typedef struct dfpng_context {
    char message[512];
    char warnings[2048];
    size_t warnings_length;

    /* memory reader */
    const uint8_t *input;
    size_t input_size;
    size_t input_offset;

    /* memory writer */
    uint8_t *output;
    size_t output_size;
    size_t output_capacity;

    /* allocations to release on every path */
    png_textp texts;
    uint8_t *pixels;
    png_bytep *rows;
} dfpng_context;

static void dfpng_copy_message(char *dst, size_t capacity, const char *src) {
    if (dst == NULL || capacity == 0) return;
    snprintf(dst, capacity, "%s", src ? src : "unknown libpng error");
}

static void dfpng_error_fn(png_structp png, png_const_charp message) {
    dfpng_context *ctx = (dfpng_context *)png_get_error_ptr(png);
    if (ctx != NULL) dfpng_copy_message(ctx->message, sizeof ctx->message, message);
    png_longjmp(png, 1);
}

static void dfpng_warning_fn(png_structp png, png_const_charp message) {
    dfpng_context *ctx = (dfpng_context *)png_get_error_ptr(png);
    if (ctx == NULL || message == NULL) return;
    size_t room = sizeof ctx->warnings - ctx->warnings_length;
    if (room <= 1) return;
    int n = snprintf(ctx->warnings + ctx->warnings_length, room, "%s%s",
                     ctx->warnings_length > 0 ? "\n" : "", message);
    if (n > 0) {
        size_t added = (size_t)n < room ? (size_t)n : room - 1;
        ctx->warnings_length += added;
    }
}

static void dfpng_read_fn(png_structp png, png_bytep dst, size_t length) {
    dfpng_context *ctx = (dfpng_context *)png_get_io_ptr(png);
    if (length > ctx->input_size - ctx->input_offset) {
        png_error(png, "truncated");
    }
    memcpy(dst, ctx->input + ctx->input_offset, length);
    ctx->input_offset += length;
}

static void dfpng_write_fn(png_structp png, png_bytep src, size_t length) {
    dfpng_context *ctx = (dfpng_context *)png_get_io_ptr(png);
    if (length > SIZE_MAX - ctx->output_size) png_error(png, "output too large");
    size_t needed = ctx->output_size + length;
    if (needed > ctx->output_capacity) {
        size_t capacity = ctx->output_capacity ? ctx->output_capacity : 4096;
        while (capacity < needed) {
            if (capacity > SIZE_MAX / 2) { capacity = needed; break; }
            capacity *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(ctx->output, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        ctx->output = grown;
        ctx->output_capacity = capacity;
    }
    memcpy(ctx->output + ctx->output_size, src, length);
    ctx->output_size = needed;
}

static void dfpng_flush_fn(png_structp png) { (void)png; }

static void dfpng_context_free(dfpng_context *ctx) {
    if (ctx == NULL) return;
    free(ctx->output);
    free(ctx->texts);
    free(ctx->pixels);
    free(ctx->rows);
    free(ctx);
}

void dfpng_free(void *pointer) { free(pointer); }

int dfpng_encode_rgba8(uint32_t width, uint32_t height, const uint8_t *pixels,
                       const dfpng_text_in *texts, size_t text_count,
                       int compression_level, int filters,
                       uint8_t **out_data, size_t *out_size,
                       char *error, size_t error_capacity) {
    if (out_data == NULL || out_size == NULL) {
        dfpng_copy_message(error, error_capacity, "missing output pointer");
        return 1;
    }
    *out_data = NULL;
    *out_size = 0;
    if (width == 0 || height == 0 || pixels == NULL) {
        dfpng_copy_message(error, error_capacity, "image has no pixels");
        return 1;
    }
    if (compression_level < 0) compression_level = 0;
    if (compression_level > 9) compression_level = 9;

    dfpng_context *ctx = (dfpng_context *)calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        dfpng_copy_message(error, error_capacity, "out of memory");
        return 1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx,
                                              dfpng_error_fn, dfpng_warning_fn);
    if (png == NULL) {
        dfpng_context_free(ctx);
        dfpng_copy_message(error, error_capacity, "png_create_write_struct failed");
        return 1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        dfpng_context_free(ctx);
        dfpng_copy_message(error, error_capacity, "png_create_info_struct failed");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        dfpng_copy_message(error, error_capacity, ctx->message);
        png_destroy_write_struct(&png, &info);
        dfpng_context_free(ctx);
        return 1;
    }

    png_set_write_fn(png, ctx, dfpng_write_fn, dfpng_flush_fn);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);

    /* Settings fixed by the caller, so identical input gives identical bytes (for a given zlib). */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters & PNG_ALL_FILTERS ? filters & PNG_ALL_FILTERS : PNG_ALL_FILTERS);
    png_set_compression_level(png, compression_level);
    png_set_compression_mem_level(png, 8);
    png_set_compression_strategy(png, Z_FILTERED);
    png_set_compression_window_bits(png, 15);
    png_set_compression_method(png, 8);
    png_set_text_compression_level(png, 9);
    png_set_text_compression_mem_level(png, 8);
    png_set_text_compression_strategy(png, Z_DEFAULT_STRATEGY);
    png_set_text_compression_window_bits(png, 15);
    png_set_text_compression_method(png, 8);

    if (text_count > 0) {
        if (texts == NULL || text_count > (size_t)INT32_MAX) png_error(png, "bad text list");
        ctx->texts = (png_textp)calloc(text_count, sizeof(png_text));
        if (ctx->texts == NULL) png_error(png, "out of memory");
        for (size_t i = 0; i < text_count; i++) {
            png_textp t = &ctx->texts[i];
            const dfpng_text_in *in = &texts[i];
            if (in->keyword == NULL || in->text == NULL) png_error(png, "text chunk without keyword or text");
            switch (in->kind) {
            case DFPNG_KIND_TEXT: t->compression = PNG_TEXT_COMPRESSION_NONE; break;
            case DFPNG_KIND_ZTXT: t->compression = PNG_TEXT_COMPRESSION_zTXt; break;
            case DFPNG_KIND_ITXT:
                t->compression = in->compressed ? PNG_ITXT_COMPRESSION_zTXt : PNG_ITXT_COMPRESSION_NONE;
                break;
            default: png_error(png, "unknown text chunk kind");
            }
            t->key = (png_charp)in->keyword;
            t->text = (png_charp)in->text;
            t->text_length = strlen(in->text);
            t->lang = NULL;
            t->lang_key = NULL;
        }
        png_set_text(png, info, ctx->texts, (int)text_count);
    }

    png_write_info(png, info);
    size_t row_bytes = (size_t)width * 4;
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * row_bytes));
    }
    png_write_end(png, NULL);

    *out_data = ctx->output;
    *out_size = ctx->output_size;
    ctx->output = NULL;
    png_destroy_write_struct(&png, &info);
    dfpng_context_free(ctx);
    return 0;
}

static int dfpng_check_signature(const uint8_t *data, size_t size, char *error, size_t error_capacity) {
    if (data == NULL || size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        dfpng_copy_message(error, error_capacity, "not a PNG file");
        return 1;
    }
    return 0;
}

static char *dfpng_strndup(const char *src, size_t length) {
    char *copy = (char *)malloc(length + 1);
    if (copy == NULL) return NULL;
    if (length > 0) memcpy(copy, src, length);
    copy[length] = '\0';
    return copy;
}

void dfpng_decoded_free(dfpng_decoded *decoded) {
    if (decoded == NULL) return;
    free(decoded->pixels);
    if (decoded->texts != NULL) {
        for (size_t i = 0; i < decoded->text_count; i++) {
            free(decoded->texts[i].keyword);
            free(decoded->texts[i].text);
        }
        free(decoded->texts);
    }
    free(decoded->warnings);
    memset(decoded, 0, sizeof *decoded);
}

/* Copies libpng's text list out of `info` (no libpng calls that can longjmp). */
static int dfpng_copy_texts(png_structp png, png_infop info, dfpng_decoded *out) {
    png_textp list = NULL;
    int count = png_get_text(png, info, &list, NULL);
    if (count <= 0 || list == NULL) return 0;
    out->texts = (dfpng_text_out *)calloc((size_t)count, sizeof(dfpng_text_out));
    if (out->texts == NULL) return 1;
    out->text_count = (size_t)count;
    for (int i = 0; i < count; i++) {
        png_textp t = &list[i];
        dfpng_text_out *o = &out->texts[i];
        size_t length;
        if (t->compression == PNG_ITXT_COMPRESSION_NONE || t->compression == PNG_ITXT_COMPRESSION_zTXt) {
            o->kind = DFPNG_KIND_ITXT;
            length = t->itxt_length;
        } else if (t->compression == PNG_TEXT_COMPRESSION_zTXt) {
            o->kind = DFPNG_KIND_ZTXT;
            length = t->text_length;
        } else {
            o->kind = DFPNG_KIND_TEXT;
            length = t->text_length;
        }
        const char *text = t->text ? t->text : "";
        if (t->text == NULL) length = 0;
        o->keyword = dfpng_strndup(t->key ? t->key : "", t->key ? strlen(t->key) : 0);
        o->text = dfpng_strndup(text, length);
        o->text_length = length;
        if (o->keyword == NULL || o->text == NULL) return 1;
    }
    return 0;
}

int dfpng_decode_rgba8(const uint8_t *data, size_t size, const dfpng_limits *limits,
                       dfpng_decoded *out, char *error, size_t error_capacity) {
    if (out == NULL || limits == NULL) {
        dfpng_copy_message(error, error_capacity, "missing argument");
        return 1;
    }
    memset(out, 0, sizeof *out);
    if (dfpng_check_signature(data, size, error, error_capacity)) return 1;

    dfpng_context *ctx = (dfpng_context *)calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        dfpng_copy_message(error, error_capacity, "out of memory");
        return 1;
    }
    ctx->input = data;
    ctx->input_size = size;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx,
                                             dfpng_error_fn, dfpng_warning_fn);
    if (png == NULL) {
        dfpng_context_free(ctx);
        dfpng_copy_message(error, error_capacity, "png_create_read_struct failed");
        return 1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        dfpng_context_free(ctx);
        dfpng_copy_message(error, error_capacity, "png_create_info_struct failed");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        dfpng_copy_message(error, error_capacity, ctx->message);
        png_destroy_read_struct(&png, &info, NULL);
        dfpng_context_free(ctx);
        return 1;
    }

    png_set_read_fn(png, ctx, dfpng_read_fn);
    /* libpng enforces these while reading IHDR, before any row memory exists. */
    png_set_user_limits(png, limits->max_width, limits->max_height);
    /* Caps every ancillary chunk allocation, including decompressed zTXt/iTXt/iCCP:
     * a text chunk over the limit is dropped with a warning instead of inflated. */
    uint64_t chunk_max = limits->max_text_bytes + 65536u;
    if (chunk_max > (uint64_t)PNG_SIZE_MAX) chunk_max = (uint64_t)PNG_SIZE_MAX;
    png_set_chunk_malloc_max(png, (png_alloc_size_t)chunk_max);
    png_set_chunk_cache_max(png, 1000);

    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    if (width > limits->max_width || height > limits->max_height) {
        char message[200];
        snprintf(message, sizeof message, "PNG is %u\xC3\x97%u, over the %u\xC3\x97%u-pixel limit",
                 (unsigned)width, (unsigned)height, (unsigned)limits->max_width, (unsigned)limits->max_height);
        png_error(png, message);
    }
    uint64_t decoded_bytes = (uint64_t)width * (uint64_t)height * 4u;
    if (decoded_bytes > limits->max_decoded_bytes || decoded_bytes > (uint64_t)(SIZE_MAX / 2)) {
        char message[200];
        snprintf(message, sizeof message,
                 "PNG is %u\xC3\x97%u, which decodes to %llu bytes, over the %llu-byte limit",
                 (unsigned)width, (unsigned)height, (unsigned long long)decoded_bytes,
                 (unsigned long long)limits->max_decoded_bytes);
        png_error(png, message);
    }

    /* Normalise every colour type / depth to 8-bit RGBA. */
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    if (has_trns) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_scale_16(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    if ((color_type & PNG_COLOR_MASK_ALPHA) == 0 && !has_trns) png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != (size_t)width * 4) png_error(png, "unexpected row size after RGBA8 conversion");

    ctx->pixels = (uint8_t *)malloc((size_t)decoded_bytes);
    ctx->rows = (png_bytep *)malloc((size_t)height * sizeof(png_bytep));
    if (ctx->pixels == NULL || ctx->rows == NULL) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) ctx->rows[y] = ctx->pixels + (size_t)y * row_bytes;

    png_read_image(png, ctx->rows);
    png_read_end(png, info); /* also collects text chunks that follow IDAT */

    if (dfpng_copy_texts(png, info, out)) {
        dfpng_decoded_free(out);
        png_destroy_read_struct(&png, &info, NULL);
        dfpng_context_free(ctx);
        dfpng_copy_message(error, error_capacity, "out of memory");
        return 1;
    }
    out->width = width;
    out->height = height;
    out->pixels = ctx->pixels;
    out->pixels_size = (size_t)decoded_bytes;
    ctx->pixels = NULL;
    if (ctx->warnings_length > 0) out->warnings = dfpng_strndup(ctx->warnings, ctx->warnings_length);

    png_destroy_read_struct(&png, &info, NULL);
    dfpng_context_free(ctx);
    return 0;
}

int dfpng_read_header(const uint8_t *data, size_t size, dfpng_header *out,
                      char *error, size_t error_capacity) {
    if (out == NULL) {
        dfpng_copy_message(error, error_capacity, "missing argument");
        return 1;
    }
    memset(out, 0, sizeof *out);
    if (dfpng_check_signature(data, size, error, error_capacity)) return 1;

    dfpng_context *ctx = (dfpng_context *)calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        dfpng_copy_message(error, error_capacity, "out of memory");
        return 1;
    }
    ctx->input = data;
    ctx->input_size = size;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx,
                                             dfpng_error_fn, dfpng_warning_fn);
    if (png == NULL) {
        dfpng_context_free(ctx);
        dfpng_copy_message(error, error_capacity, "png_create_read_struct failed");
        return 1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        dfpng_context_free(ctx);
        dfpng_copy_message(error, error_capacity, "png_create_info_struct failed");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        dfpng_copy_message(error, error_capacity, ctx->message);
        png_destroy_read_struct(&png, &info, NULL);
        dfpng_context_free(ctx);
        return 1;
    }
    png_set_read_fn(png, ctx, dfpng_read_fn);
    /* Report any size the format allows: callers judge limits themselves. */
    png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu);
    png_set_chunk_malloc_max(png, 1u << 20);
    /* Skip (never inflate) the chunks that may be large before IDAT. */
    static const png_byte skipped[] = "tEXt\0zTXt\0iTXt\0iCCP\0sPLT\0";
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, skipped, 5);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);

    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    out->width = width;
    out->height = height;
    out->bit_depth = bit_depth;
    out->color_type = color_type;
    out->interlaced = interlace != PNG_INTERLACE_NONE;

    png_destroy_read_struct(&png, &info, NULL);
    dfpng_context_free(ctx);
    return 0;
}

/* ---- zlib helpers for chunk-level text reading and writing (no libpng, no setjmp needed) ---- */

uint32_t dfz_crc32(uint32_t crc, const uint8_t *data, size_t size) {
    if (size == 0) return crc;
    return (uint32_t)crc32_z((uLong)crc, data, (z_size_t)size);
}

/* zlib counts in uInt; feed large buffers in pieces so size_t sizes never truncate. */
#define DFZ_PIECE ((size_t)1 << 30)

static void dfz_refill_input(z_stream *strm, const uint8_t *in, size_t in_size, size_t *in_used) {
    if (strm->avail_in == 0 && *in_used < in_size) {
        size_t piece = in_size - *in_used;
        if (piece > DFZ_PIECE) piece = DFZ_PIECE;
        strm->next_in = (Bytef *)(in + *in_used);
        strm->avail_in = (uInt)piece;
        *in_used += piece;
    }
}

int dfz_deflate(const uint8_t *in, size_t in_size, int level,
                uint8_t **out, size_t *out_size,
                char *error, size_t error_capacity) {
    *out = NULL;
    *out_size = 0;
    z_stream strm;
    memset(&strm, 0, sizeof strm);
    if (deflateInit(&strm, level) != Z_OK) {
        dfpng_copy_message(error, error_capacity, "cannot start zlib deflate (bad level or out of memory)");
        return 1;
    }
    size_t capacity = in_size / 4 + 1024;
    uint8_t *buffer = (uint8_t *)malloc(capacity);
    size_t produced = 0, in_used = 0;
    int ret = Z_OK;
    while (buffer != NULL) {
        dfz_refill_input(&strm, in, in_size, &in_used);
        if (produced == capacity) {
            size_t grown = capacity > SIZE_MAX / 2 ? SIZE_MAX : capacity * 2;
            uint8_t *bigger = (uint8_t *)realloc(buffer, grown);
            if (bigger == NULL) { free(buffer); buffer = NULL; break; }
            buffer = bigger;
            capacity = grown;
        }
        size_t room = capacity - produced;
        if (room > DFZ_PIECE) room = DFZ_PIECE;
        strm.next_out = buffer + produced;
        strm.avail_out = (uInt)room;
        int flush = (in_used == in_size) ? Z_FINISH : Z_NO_FLUSH;
        ret = deflate(&strm, flush);
        produced += room - strm.avail_out;
        if (ret == Z_STREAM_END) break;
        if (ret != Z_OK && ret != Z_BUF_ERROR) break;
    }
    deflateEnd(&strm);
    if (buffer == NULL || ret != Z_STREAM_END) {
        free(buffer);
        dfpng_copy_message(error, error_capacity, buffer == NULL ? "out of memory while deflating" : "zlib deflate failed");
        return 1;
    }
    *out = buffer;
    *out_size = produced;
    return 0;
}
