#include "plain_png.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} plain_buffer;

static void plain_write(png_structp png, png_bytep src, size_t length) {
    plain_buffer *out = (plain_buffer *)png_get_io_ptr(png);
    if (out->size + length > out->capacity) {
        size_t capacity = out->capacity ? out->capacity : 4096;
        while (capacity < out->size + length) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(out->data, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        out->data = grown;
        out->capacity = capacity;
    }
    memcpy(out->data + out->size, src, length);
    out->size += length;
}

static void plain_flush(png_structp png) { (void)png; }

size_t plain_png_encode(uint32_t width, uint32_t height, const uint8_t *pixels,
                        const char *const *keywords, const char *const *texts, size_t text_count,
                        int compression_level, int filters, uint8_t **out_data) {
    plain_buffer out = {NULL, 0, 0};
    png_text *chunks = NULL;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (info == NULL || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(out.data);
        free(chunks);
        return 0;
    }
    png_set_write_fn(png, &out, plain_write, plain_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    png_set_compression_level(png, compression_level);
    png_set_compression_mem_level(png, 8);
    png_set_compression_strategy(png, Z_FILTERED);
    png_set_compression_window_bits(png, 15);
    if (text_count > 0) {
        chunks = (png_text *)calloc(text_count, sizeof(png_text));
        if (chunks == NULL) png_error(png, "out of memory");
        for (size_t i = 0; i < text_count; i++) {
            chunks[i].compression = PNG_TEXT_COMPRESSION_NONE;
            chunks[i].key = (png_charp)keywords[i];
            chunks[i].text = (png_charp)texts[i];
            chunks[i].text_length = strlen(texts[i]);
        }
        png_set_text(png, info, chunks, (int)text_count);
    }
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width * 4));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(chunks);
    *out_data = out.data;
    return out.size;
}

void plain_png_free(void *pointer) { free(pointer); }
