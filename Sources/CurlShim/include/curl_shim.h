/*
 * curl_shim.h — typed wrappers around libcurl's variadic calls for dropforge.
 *
 * Why: curl_easy_setopt and curl_easy_getinfo are C variadic functions, which Swift
 * cannot call. Each wrapper here fixes the argument type of one family of options
 * (long, string, pointer, curl_off_t, callback). Like png_shim.h this header does not
 * include <curl/curl.h>: Swift sees only plain C types, so the CurlShim and CCurl
 * modules never declare the same curl types twice. Handles are `void *` (CURL and
 * CURLM are `void` typedefs in curl.h anyway); options and info ids are passed as
 * their integer values (`CURLOPT_URL.rawValue` in Swift).
 *
 * Every function returns the CURLcode as an int (0 = CURLE_OK).
 */
#ifndef DROPFORGE_CURL_SHIM_H
#define DROPFORGE_CURL_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION callback. */
typedef size_t (*dfcurl_data_callback)(char *data, size_t size, size_t count, void *userdata);
/** CURLOPT_XFERINFOFUNCTION callback; non-zero return aborts the transfer. */
typedef int (*dfcurl_xferinfo_callback)(void *userdata, int64_t dltotal, int64_t dlnow,
                                        int64_t ultotal, int64_t ulnow);

int dfcurl_setopt_long(void *handle, int option, long value);
int dfcurl_setopt_str(void *handle, int option, const char *value);
int dfcurl_setopt_ptr(void *handle, int option, void *value);
int dfcurl_setopt_off(void *handle, int option, int64_t value);
int dfcurl_setopt_data_callback(void *handle, int option, dfcurl_data_callback callback);
int dfcurl_setopt_xferinfo_callback(void *handle, dfcurl_xferinfo_callback callback);

int dfcurl_getinfo_long(void *handle, int info, long *value);
/** A string info (e.g. CURLINFO_REDIRECT_URL); *value may be NULL, and is owned by curl. */
int dfcurl_getinfo_str(void *handle, int info, const char **value);

#ifdef __cplusplus
}
#endif

#endif
