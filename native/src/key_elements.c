/*
 * key_elements: the elements of a plain hash set as a NEWSETELEM message
 * holds them, NFTA_LIST_ELEM { NFTA_SET_ELEM_KEY { NFTA_DATA_VALUE key } },
 * written into the caller's batch buffer. A million-host load writes a
 * million of them (16 MB); src/nft/netlink/writer.ts's keyElements did it
 * in a JS loop that ran mostly interpreted, once per process.
 *
 * keyElements(out: Uint8Array, at: number, keys: Uint8Array, first: number, count: number, width: number, head: Uint32Array(3))
 *   writes `count` elements at byte `at` of `out`: each is the three
 *   attribute headers `head` (12 bytes, as the writer computed them: C
 *   knows nothing of attribute numbers) and key `first + j` of `keys`
 *   (`width` bytes, a multiple of 4: no padding). So the layout has one
 *   definition, the writer's; this is only its loop.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#include "key_elements.h"
#include "napi_util.h"

/* An integer-valued double in [0, max] as a size_t; 0 when it is not one. */
static int whole(napi_env env, napi_value v, double max, size_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= max) || d != (double)(uint64_t)d) return 0;
  *out = (size_t)d;
  return 1;
}

static napi_value key_elements(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  LBFW_NAPI_CHECK(env, "lbfw key_elements", napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *out_data, *keys_data, *head_data;
  size_t out_length, keys_length, head_length, at, first, count, width;
  if (argc < 7 || !lbfw_typed_array(env, argv[0], napi_uint8_array, &out_data, &out_length) || !lbfw_typed_array(env, argv[2], napi_uint8_array, &keys_data, &keys_length) ||
      !lbfw_typed_array(env, argv[6], napi_uint32_array, &head_data, &head_length) || head_length < 3) {
    napi_throw_type_error(env, NULL, "keyElements(out: Uint8Array, at, keys: Uint8Array, first, count, width, head: Uint32Array(3))");
    return NULL;
  }
  if (!whole(env, argv[1], (double)out_length, &at) || !whole(env, argv[3], (double)keys_length, &first) || !whole(env, argv[4], (double)keys_length, &count) ||
      !whole(env, argv[5], 64, &width) || width == 0 || width % 4 != 0) {
    napi_throw_range_error(env, NULL, "keyElements: an offset, count or width is out of range (width: a multiple of 4 up to 64)");
    return NULL;
  }
  size_t size = 12 + width;
  /* Every byte written and read lies inside its array (the products cannot overflow: each factor is below 2^53 / 64). */
  if (count > (out_length - at) / size || first > keys_length / width || count > keys_length / width - first) {
    napi_throw_range_error(env, NULL, "keyElements: the elements do not fit the buffer, or the keys run past their array");
    return NULL;
  }
  uint8_t *o = (uint8_t *)out_data + at;
  const uint8_t *k = (const uint8_t *)keys_data + first * width;
  uint8_t head[12];
  memcpy(head, head_data, sizeof head);
  for (size_t j = 0; j < count; j++, o += size, k += width) {
    memcpy(o, head, 12);
    memcpy(o + 12, k, width);
  }
  return NULL;
}

void key_elements_register(napi_env env, napi_value exports) {
  lbfw_export(env, exports, "keyElements", key_elements);
}
