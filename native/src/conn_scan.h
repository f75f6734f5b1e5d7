/* conn_scan: the plain IPv4 row counter of `lbfw overlimit` (conn_scan.c). */
#ifndef LBFW_CONN_SCAN_H
#define LBFW_CONN_SCAN_H
#include <node_api.h>

/* Adds conn4Open, conn4Scan and conn4Take to `exports`. */
void conn_scan_register(napi_env env, napi_value exports);

#endif
