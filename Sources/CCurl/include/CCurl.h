#ifndef KEYWARD_CCURL_H
#define KEYWARD_CCURL_H

// Typed, non-variadic wrappers over libcurl. `curl_easy_setopt`, `curl_easy_getinfo` and `curl_multi_setopt`
// are variadic C functions that Swift cannot call; each wrapper below fixes one argument type, so the Swift
// side picks the wrapper that matches the option's documented type.

#include <curl/curl.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t nmemb, void *userdata);

static inline CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// libcurl copies strings passed to curl_easy_setopt (since 7.17), so `value` may be freed afterwards.
static inline CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *list) {
    return curl_easy_setopt(handle, option, list);
}

static inline CURLcode ccurl_easy_setopt_callback(CURL *handle, CURLoption option, ccurl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

typedef curl_socket_t (*ccurl_opensocket_callback)(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);

/// CURLOPT_OPENSOCKETFUNCTION: called for every socket libcurl opens, with the address it will connect to (after
/// DNS), so an address policy checked here holds for the address actually used.
static inline CURLcode ccurl_easy_setopt_opensocket(CURL *handle, ccurl_opensocket_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}

/// Copies the IP address of `address` (4 bytes for IPv4, 16 for IPv6) into `out`; returns that length, or 0 for
/// any other family (a Unix socket, say).
static inline size_t ccurl_sockaddr_ip(const struct curl_sockaddr *address, unsigned char out[16]) {
    if (address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in)) {
        memcpy(out, &((const struct sockaddr_in *)(const void *)&address->addr)->sin_addr, 4);
        return 4;
    }
    if (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)) {
        memcpy(out, &((const struct sockaddr_in6 *)(const void *)&address->addr)->sin6_addr, 16);
        return 16;
    }
    return 0;
}

/// What libcurl would have done without an open-socket callback.
static inline curl_socket_t ccurl_open_socket(const struct curl_sockaddr *address) {
    /* Close-on-exec: a hook or reload command the controller starts must not inherit its API connections. */
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

/// CURL_SOCKET_BAD is a macro; returned from the open-socket callback it refuses the connection.
static inline curl_socket_t ccurl_socket_bad(void) { return CURL_SOCKET_BAD; }

/// Passes PEM or DER bytes in memory (CURLOPT_CAINFO_BLOB, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB).
/// libcurl copies the bytes, so the caller's buffer may be released afterwards.
static inline CURLcode ccurl_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = length;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(handle, option, &blob);
}

static inline CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ccurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

/// CURLINFO_CERTINFO (with CURLOPT_CERTINFO set): the peer's chain as libcurl's text fields, one slist per
/// certificate, leaf first; its "Cert:" entry holds the PEM. Valid until the handle is cleaned up.
static inline CURLcode ccurl_easy_getinfo_certinfo(CURL *handle, struct curl_certinfo **value) {
    return curl_easy_getinfo(handle, CURLINFO_CERTINFO, value);
}

static inline CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// The easy handle and result of a finished transfer, read out of the CURLMsg union.
static inline CURLcode ccurl_message_result(const CURLMsg *message) {
    return message->data.result;
}

/// CURL_WRITEFUNC_PAUSE is a macro; exported so Swift can return it from a write callback.
static inline size_t ccurl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }

#endif
