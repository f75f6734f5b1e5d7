/*
 * hosts4_scan: the two hot loops of reading a million-line static_blacklist,
 * on bytes and arrays the caller holds (no I/O, no allocation per line).
 *
 * hosts4Scan(bytes: Uint8Array, values: Uint32Array, lines: Uint32Array, cursor: Float64Array) -> status
 *   cursor is [position, line, count]: where to start (a line start), that
 *   line's 1-based number, and how many values the arrays hold already.
 *   Reads consecutive plain host lines from there, exactly as plainHostLine
 *   in src/blacklist/parse.ts defines them: blanks (space, tab), a canonical
 *   dotted quad (four octets 0-255 of 1-3 digits, no leading zero), blanks,
 *   at most one CR, then LF or the end of the bytes. Each one's value and
 *   line number are appended at `count`. Stops at the first line it does
 *   not take and returns, with the cursor moved to that line:
 *     0 (HOSTS4_OTHER): the line at `position` is not a plain host line;
 *       the TypeScript parser reads it (its text path decides what it
 *       means, so there is one definition of every other line, and its
 *       problems name the right line), then calls again from the next line;
 *     1 (HOSTS4_FULL): the line is a plain host but the arrays are full
 *       (count is the shorter array's length): grow them and call again;
 *     2 (HOSTS4_END): the bytes ended with a plain host line, no LF after it.
 *   After a host line ending in LF the next line is always tried, so a file
 *   ending in LF stops (0) at `position` = length, on the empty last line.
 *
 * sortU32(values: Uint32Array) -> boolean
 *   sorts ascending in place (what values.sort() gives: duplicates kept),
 *   an LSD radix sort in three passes of 11, 11 and 10 bits, a pass skipped
 *   when every value has the same digit there. false (nothing changed) when
 *   the scratch copy cannot be allocated: the caller sorts in TypeScript.
 *
 * deal4(sorted: Uint32Array, shards: number, keys: Uint8Array, bounds: Uint32Array) -> number
 *   deals ascending IPv4 values into `shards` (a power of two, at most 256)
 *   runs by their low bits, `value & (shards - 1)`, as
 *   ipv4ShardsFromValues in src/nft/model/elements.ts does: each run
 *   ascending, duplicates dropped, each value written once as 4 big-endian
 *   bytes into `keys` (4 bytes a value). Shard s's keys are values
 *   bounds[2s] .. bounds[2s+1] of `keys`. Returns 0, or i + 1 when value i
 *   is below value i - 1 (the caller names both: not sorted, nothing dealt).
 *
 * All three are synchronous on the main thread: 1M lines take a few ms, less
 * than handing them to the thread pool and back would save.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hosts4_scan.h"
#include "napi_util.h"

enum { HOSTS4_OTHER = 0, HOSTS4_FULL = 1, HOSTS4_END = 2 };

#define NOT_PLAIN SIZE_MAX

#define CHECK(env, call) LBFW_NAPI_CHECK(env, "lbfw hosts4_scan", call)

static inline int is_blank(uint8_t c) {
  return c == ' ' || c == '\t';
}

/* The digit value of c, or a number above 9 when c is not a digit. */
static inline uint32_t digit(uint8_t c) {
  return (uint32_t)c - '0';
}

/*
 * The plain host line at b[p], n bytes in all: where it ends (its LF, or n)
 * and its value in *out; NOT_PLAIN when the line is anything else. Every
 * read is checked against n. The order of the checks is free: a line either
 * is plain or is not.
 */
static inline __attribute__((always_inline)) size_t plain_line(const uint8_t *b, size_t p, size_t n, uint32_t *out) {
  while (p < n && is_blank(b[p])) p++;
  uint32_t value = 0;
  for (int octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (p >= n || b[p] != '.') return NOT_PLAIN;
      p++;
    }
    if (p >= n) return NOT_PLAIN;
    uint32_t v = digit(b[p]);
    if (v > 9) return NOT_PLAIN;
    p++;
    /* A leading 0 is the whole octet: a digit after it is a leading zero (or a fourth digit), and fails below. */
    if (v != 0) {
      for (int k = 0; k < 2 && p < n; k++) {
        uint32_t d = digit(b[p]);
        if (d > 9) break;
        v = v * 10 + d;
        p++;
      }
    }
    if ((p < n && digit(b[p]) <= 9) || v > 255) return NOT_PLAIN;
    value = value << 8 | v;
  }
  while (p < n && is_blank(b[p])) p++;
  /* One CR before the line end is part of a CR LF end, as in parseBlacklist. */
  if (p < n && b[p] == '\r') p++;
  if (p < n && b[p] != '\n') return NOT_PLAIN;
  *out = value;
  return p;
}

#if defined(__SSE2__) && !defined(LBFW_HOSTS4_SCALAR)
#include <emmintrin.h>
#define HOSTS4_SSE2 1

/* Per length 1-3 of an octet: the weights of its first three digits (the others are not its digits, and weigh 0). */
static const uint32_t WEIGHT[4][3] = {{0, 0, 0}, {1, 0, 0}, {10, 1, 0}, {100, 10, 1}};

/*
 * The common line, a dotted quad right at p and its LF, read without a
 * branch per digit (random octets have 1, 2 or 3 digits, and a branch on
 * that length is mispredicted about once an octet): the 16 bytes at p are
 * classified at once, the dots found in the bit masks. It only accepts: any
 * line it is not sure of (blanks, a CR, a leading zero, a bad octet, fewer
 * than 16 bytes left) goes to plain_line, the one definition. Needs p + 16 <= n.
 */
static inline __attribute__((always_inline)) size_t quick_line(const uint8_t *b, size_t p, uint32_t *out) {
  __m128i v = _mm_loadu_si128((const __m128i *)(b + p));
  /* Signed compares: bytes from 0x80 are negative and are neither digits nor dots. */
  __m128i is_digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), v));
  uint32_t digits = (uint32_t)_mm_movemask_epi8(is_digit);
  uint32_t dots = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
  uint32_t other = ~(digits | dots) & 0xffffu;
  if ((digits & 1) == 0 || other == 0) return NOT_PLAIN;
  /* The quad is bytes [0, t): digits and exactly three dots, then anything else. */
  uint32_t t = (uint32_t)__builtin_ctz(other);
  dots &= (1u << t) - 1;
  if (__builtin_popcount(dots) != 3) return NOT_PLAIN;
  uint32_t d1 = (uint32_t)__builtin_ctz(dots);
  dots &= dots - 1;
  uint32_t d2 = (uint32_t)__builtin_ctz(dots);
  dots &= dots - 1;
  uint32_t d3 = (uint32_t)__builtin_ctz(dots);
  uint32_t start[4] = {0, d1 + 1, d2 + 1, d3 + 1};
  uint32_t length[4] = {d1, d2 - d1 - 1, d3 - d2 - 1, t - d3 - 1};
  /* Copied with two bytes to spare: an octet of one digit at byte 15 reads bytes 16 and 17 (weighed 0). */
  uint8_t c[18] = {0};
  _mm_storeu_si128((__m128i *)c, _mm_sub_epi8(v, _mm_set1_epi8('0')));
  uint32_t value = 0, bad = 0;
  for (int k = 0; k < 4; k++) {
    uint32_t l = length[k], s = start[k];
    /* A length of 0 (two dots side by side) or over 3 is bad; the index is clamped so the table read stays in it. */
    bad |= (uint32_t)(l - 1 > 2);
    const uint32_t *w = WEIGHT[l & 3];
    uint32_t o = c[s] * w[0] + c[s + 1] * w[1] + c[s + 2] * w[2];
    bad |= (uint32_t)(o > 255) | ((uint32_t)(l > 1) & (uint32_t)(c[s] == 0));
    value = value << 8 | (o & 0xff);
  }
  if (bad || b[p + t] != '\n') return NOT_PLAIN;
  *out = value;
  return p + t;
}
#endif

/* Whether [a, a + an) and [b, b + bn) share a byte. */
static int overlap(const void *a, size_t an, const void *b, size_t bn) {
  uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
  return an != 0 && bn != 0 && x < y + bn && y < x + an;
}

/* A double that is an integer in [0, max]. */
static int whole(double d, double max) {
  return d >= 0 && d <= max && d == (double)(uint64_t)d;
}

static napi_value hosts4_scan(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *bytes_data, *values_data, *lines_data, *cursor_data;
  size_t n, values_length, lines_length, cursor_length;
  if (argc < 4 || !lbfw_typed_array(env, argv[0], napi_uint8_array, &bytes_data, &n) ||
      !lbfw_typed_array(env, argv[1], napi_uint32_array, &values_data, &values_length) ||
      !lbfw_typed_array(env, argv[2], napi_uint32_array, &lines_data, &lines_length) ||
      !lbfw_typed_array(env, argv[3], napi_float64_array, &cursor_data, &cursor_length) || cursor_length < 3) {
    napi_throw_type_error(env, NULL, "hosts4Scan(bytes: Uint8Array, values: Uint32Array, lines: Uint32Array, cursor: Float64Array(3))");
    return NULL;
  }
  double *cursor = cursor_data;
  size_t cap = values_length < lines_length ? values_length : lines_length;
  /* 2^53: every integer below it is exact in a double. */
  const double exact = 9007199254740992.0;
  if (!whole(cursor[0], (double)n) || !whole(cursor[1], exact) || !whole(cursor[2], (double)cap)) {
    napi_throw_range_error(env, NULL, "hosts4Scan: the cursor's position, line or count is out of range");
    return NULL;
  }
  /* Written while read: the outputs must not share memory with the bytes, each other, or the cursor. */
  size_t vb = values_length * 4, lb = lines_length * 4;
  if (overlap(values_data, vb, bytes_data, n) || overlap(lines_data, lb, bytes_data, n) || overlap(values_data, vb, lines_data, lb) ||
      overlap(cursor_data, 24, values_data, vb) || overlap(cursor_data, 24, lines_data, lb) || overlap(cursor_data, 24, bytes_data, n)) {
    napi_throw_range_error(env, NULL, "hosts4Scan: the arrays share memory");
    return NULL;
  }
  const uint8_t *b = bytes_data;
  uint32_t *values = values_data, *lines = lines_data;
  size_t p = (size_t)cursor[0], count = (size_t)cursor[2];
  uint64_t line = (uint64_t)cursor[1];
  int status;
  for (;;) {
    uint32_t value;
#ifdef HOSTS4_SSE2
    size_t end = n - p >= 16 ? quick_line(b, p, &value) : NOT_PLAIN;
    if (end == NOT_PLAIN) end = plain_line(b, p, n, &value);
#else
    size_t end = plain_line(b, p, n, &value);
#endif
    if (end == NOT_PLAIN) {
      status = HOSTS4_OTHER;
      break;
    }
    if (count == cap) {
      status = HOSTS4_FULL;
      break;
    }
    values[count] = value;
    /* Modulo 2^32, as a Uint32Array stores a number (a file of 2^32 lines is refused long before). */
    lines[count] = (uint32_t)line;
    count++;
    if (end == n) {
      p = n;
      status = HOSTS4_END;
      break;
    }
    p = end + 1;
    line++;
  }
  cursor[0] = (double)p;
  cursor[1] = (double)line;
  cursor[2] = (double)count;
  napi_value result;
  CHECK(env, napi_create_uint32(env, (uint32_t)status, &result));
  return result;
}

#define BITS 11
#define BUCKETS (1u << BITS)
#define MASK (BUCKETS - 1)

/* The radix sort of sortU32; 0 when the scratch cannot be allocated (v unchanged). */
static int radix_sort(uint32_t *v, size_t n) {
  if (n < 2) return 1;
  uint32_t *scratch = malloc(n * sizeof(uint32_t));
  if (scratch == NULL) return 0;
  /* One walk counts all three digits; size_t: a typed array may hold more than 2^32 values. */
  size_t *counts = calloc(3 * BUCKETS, sizeof(size_t));
  if (counts == NULL) {
    free(scratch);
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    uint32_t x = v[i];
    counts[x & MASK]++;
    counts[BUCKETS + ((x >> BITS) & MASK)]++;
    counts[2 * BUCKETS + (x >> (2 * BITS))]++;
  }
  uint32_t *from = v, *to = scratch;
  for (int pass = 0; pass < 3; pass++) {
    size_t *count = counts + (size_t)pass * BUCKETS;
    int shift = pass * BITS;
    /* Every value has the same digit here: the pass would copy them in order. */
    if (count[(from[0] >> shift) & MASK] == n) continue;
    size_t sum = 0;
    for (uint32_t d = 0; d < BUCKETS; d++) {
      size_t c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (size_t i = 0; i < n; i++) {
      uint32_t x = from[i];
      to[count[(x >> shift) & MASK]++] = x;
    }
    uint32_t *swap = from;
    from = to;
    to = swap;
  }
  if (from != v) memcpy(v, from, n * sizeof(uint32_t));
  free(counts);
  free(scratch);
  return 1;
}

static napi_value deal4(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *sorted_data, *keys_data, *bounds_data;
  size_t n, keys_length, bounds_length;
  uint32_t shards;
  if (argc < 4 || !lbfw_typed_array(env, argv[0], napi_uint32_array, &sorted_data, &n) || napi_get_value_uint32(env, argv[1], &shards) != napi_ok ||
      !lbfw_typed_array(env, argv[2], napi_uint8_array, &keys_data, &keys_length) || !lbfw_typed_array(env, argv[3], napi_uint32_array, &bounds_data, &bounds_length)) {
    napi_throw_type_error(env, NULL, "deal4(sorted: Uint32Array, shards: number, keys: Uint8Array, bounds: Uint32Array)");
    return NULL;
  }
  if (shards == 0 || shards > 256 || (shards & (shards - 1)) != 0 || keys_length / 4 < n || bounds_length < 2 * (size_t)shards || n > UINT32_MAX ||
      overlap(keys_data, keys_length, sorted_data, n * 4) || overlap(bounds_data, bounds_length * 4, sorted_data, n * 4) ||
      overlap(bounds_data, bounds_length * 4, keys_data, keys_length)) {
    napi_throw_range_error(env, NULL, "deal4: shards must be a power of two up to 256, keys hold 4 bytes a value, bounds two per shard, none sharing memory");
    return NULL;
  }
  const uint32_t *v = sorted_data;
  uint8_t *keys = keys_data;
  uint32_t *bounds = bounds_data;
  uint32_t mask = shards - 1;
  for (size_t i = 1; i < n; i++) {
    if (v[i] < v[i - 1]) {
      napi_value bad;
      CHECK(env, napi_create_double(env, (double)(i + 1), &bad));
      return bad;
    }
  }
  /* Runs sized by a counting pass (duplicates included: a run may end short). */
  uint32_t start[256] = {0}, filled[256];
  for (size_t i = 0; i < n; i++) start[v[i] & mask]++;
  uint32_t sum = 0;
  for (uint32_t s = 0; s < shards; s++) {
    uint32_t c = start[s];
    start[s] = filled[s] = sum;
    sum += c;
  }
  for (size_t i = 0; i < n; i++) {
    uint32_t x = v[i];
    /* Sorted as a whole: a duplicate is the value just before. */
    if (i > 0 && x == v[i - 1]) continue;
    uint8_t *k = keys + (size_t)filled[x & mask]++ * 4;
    k[0] = (uint8_t)(x >> 24);
    k[1] = (uint8_t)(x >> 16);
    k[2] = (uint8_t)(x >> 8);
    k[3] = (uint8_t)x;
  }
  for (uint32_t s = 0; s < shards; s++) {
    bounds[2 * s] = start[s];
    bounds[2 * s + 1] = filled[s];
  }
  napi_value zero;
  CHECK(env, napi_create_double(env, 0, &zero));
  return zero;
}

static napi_value sort_u32(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data;
  size_t n;
  if (argc < 1 || !lbfw_typed_array(env, argv[0], napi_uint32_array, &data, &n)) {
    napi_throw_type_error(env, NULL, "sortU32(values: Uint32Array)");
    return NULL;
  }
  napi_value result;
  CHECK(env, napi_get_boolean(env, radix_sort(data, n), &result));
  return result;
}

void hosts4_scan_register(napi_env env, napi_value exports) {
  lbfw_export(env, exports, "hosts4Scan", hosts4_scan);
  lbfw_export(env, exports, "sortU32", sort_u32);
  lbfw_export(env, exports, "deal4", deal4);
}
