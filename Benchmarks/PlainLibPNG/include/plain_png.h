/*
 * plain_png.h — the benchmark's yardstick: RGBA8 pixels to a PNG in memory with
 * nothing but libpng, at the same settings as dropforge's encoder (PNGShim's
 * dfpng_encode_rgba8). `make bench` compares the pipeline's image path with it.
 */
#ifndef DROPFORGE_PLAIN_PNG_H
#define DROPFORGE_PLAIN_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Encodes `pixels` (width*4 bytes a row) with `text_count` tEXt chunks
 * (keywords[i] = texts[i]) at zlib `compression_level` with libpng's filter mask
 * `filters` into a malloc'd buffer; returns its size, 0 on error. */
size_t plain_png_encode(uint32_t width, uint32_t height, const uint8_t *pixels,
                        const char *const *keywords, const char *const *texts, size_t text_count,
                        int compression_level, int filters, uint8_t **out_data);

void plain_png_free(void *pointer);

#endif
