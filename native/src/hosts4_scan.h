/* hosts4_scan: the plain IPv4 host lines of a static_blacklist, and a radix sort of their values (hosts4_scan.c). */
#ifndef LBFW_HOSTS4_SCAN_H
#define LBFW_HOSTS4_SCAN_H
#include <node_api.h>

/* Adds hosts4Scan and sortU32 to `exports`. */
void hosts4_scan_register(napi_env env, napi_value exports);

#endif
