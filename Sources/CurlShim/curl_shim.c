#include "curl_shim.h"
#include <curl/curl.h>

int dfcurl_setopt_long(void *handle, int option, long value) {
    return (int)curl_easy_setopt((CURL *)handle, (CURLoption)option, value);
}

int dfcurl_setopt_str(void *handle, int option, const char *value) {
    return (int)curl_easy_setopt((CURL *)handle, (CURLoption)option, value);
}

int dfcurl_setopt_ptr(void *handle, int option, void *value) {
    return (int)curl_easy_setopt((CURL *)handle, (CURLoption)option, value);
}

int dfcurl_setopt_off(void *handle, int option, int64_t value) {
    return (int)curl_easy_setopt((CURL *)handle, (CURLoption)option, (curl_off_t)value);
}

int dfcurl_setopt_data_callback(void *handle, int option, dfcurl_data_callback callback) {
    return (int)curl_easy_setopt((CURL *)handle, (CURLoption)option, callback);
}

/* curl passes curl_off_t to the progress callback; the header says int64_t so Swift
   needs no curl types. They must be the same width for the cast to be sound. */
_Static_assert(sizeof(curl_off_t) == sizeof(int64_t), "curl_off_t must be 64-bit");

int dfcurl_setopt_xferinfo_callback(void *handle, dfcurl_xferinfo_callback callback) {
    return (int)curl_easy_setopt((CURL *)handle, CURLOPT_XFERINFOFUNCTION,
                                 (curl_xferinfo_callback)callback);
}

int dfcurl_getinfo_long(void *handle, int info, long *value) {
    return (int)curl_easy_getinfo((CURL *)handle, (CURLINFO)info, value);
}

int dfcurl_getinfo_str(void *handle, int info, const char **value) {
    char *result = NULL;
    CURLcode code = curl_easy_getinfo((CURL *)handle, (CURLINFO)info, &result);
    *value = result;
    return (int)code;
}
