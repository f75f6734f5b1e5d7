/* key_elements: the plain hash-set elements of a NEWSETELEM message, written in one pass (key_elements.c). */
#ifndef LBFW_KEY_ELEMENTS_H
#define LBFW_KEY_ELEMENTS_H
#include <node_api.h>

/* Adds keyElements to `exports`. */
void key_elements_register(napi_env env, napi_value exports);

#endif
