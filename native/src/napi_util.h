/*
 * Node-API helpers shared by lbfw's addon modules (lbfw_netlink.c,
 * conn_scan.c, hosts4_scan.c, key_elements.c). Header only: each module is
 * its own translation unit, and these are small enough to inline.
 */
#ifndef LBFW_NAPI_UTIL_H
#define LBFW_NAPI_UTIL_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

/* LBFW_NAPI_CHECK returns NULL from the calling function, with a JS error naming the module and the call, when a Node-API call fails. */
#define LBFW_NAPI_CHECK(env, module, call)                                        \
  do {                                                                            \
    if ((call) != napi_ok) {                                                      \
      napi_throw_error((env), NULL, module ": Node-API call failed: " #call);     \
      return NULL;                                                                \
    }                                                                             \
  } while (0)

/* lbfw_typed_array: `v` is a typed array of `type`; its data and element count. An empty view may have no data pointer at all. */
static inline int lbfw_typed_array(napi_env env, napi_value v, napi_typedarray_type type, void **data, size_t *length) {
  bool is_typed;
  napi_typedarray_type actual;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, v, &actual, length, data, NULL, NULL) != napi_ok || actual != type) return 0;
  return *data != NULL || *length == 0;
}

/* lbfw_export sets exports[name] to a function calling `cb`; a failure leaves the name unset, which the loader reports. */
static inline void lbfw_export(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) == napi_ok) napi_set_named_property(env, exports, name, fn);
}

#endif
