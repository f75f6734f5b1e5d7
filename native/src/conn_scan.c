/*
 * conn_scan: counts the plain IPv4 rows of an IPVS connection table
 * (/proc/net/ip_vs_conn), for `lbfw overlimit`. The bytes only: which rows
 * are plain, and what a plain row means, are defined by the TypeScript
 * reader (src/overlimit/conn-table.ts, decodePlainRows); this file takes
 * exactly the rows that function takes and stops at the first line it
 * would not take, which the TypeScript parser then reads (IPv6 rows, the
 * sync table's Origin column, PE data, unknown states, the header, a row
 * cut by a chunk, anything odd). So there is one definition of every other
 * row, and line numbers in errors stay exact.
 *
 * A plain row is exactly `%-3s %08X %04X %08X %04X %08X %04X %-11s %7u\n`
 * (65 bytes and the line break) with protocol TCP or UDP and a state from
 * the list the caller passes (CONN_STATES). For each one:
 *   client port 0: a persistence template, counted apart;
 *   else its state's total goes up, and when the state is counted, the
 *   count of (client & mask, vip, proto << 16 | vport) in an
 *   open-addressing table.
 *
 *   conn4Open(states: string[], counted: Uint8Array, mask, maxEntries) -> handle
 *   conn4Scan(handle, bytes: Uint8Array, start, end, room) -> stop
 *     reads plain rows from `start` (at most `room`) while each ends with
 *     its line break before `end`; returns where it stopped, or -(stop + 1)
 *     when the table holds maxEntries tuples and the row at `stop` needs a
 *     new one (take, then scan again).
 *   conn4Take(handle) -> [tuples, totals, services, perService]
 *     tuples (Uint32Array): (client, service, count) for each key, ordered
 *     by client; service is an ordinal, stable over the handle's life;
 *     totals (Float64Array): rows, templates, distinct clients, then per state;
 *     services (Uint32Array): (vip, proto << 16 | vport) of every ordinal so far;
 *     perService (Float64Array): this hand-over's counted rows per ordinal;
 *     and empties the handle (its services stay).
 *
 * Synchronous: a few ms per MB, on bytes the caller holds.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn_scan.h"
#include "napi_util.h"

#define ROW_BYTES 65
#define STATE_WIDTH 11
#define MAX_STATES 64
/* Rows parsed before their lookups: the table misses the cache, and a run of independent prefetches overlaps the misses. */
#define BATCH 32

typedef struct {
  uint32_t client;
  uint32_t vip;
  uint32_t port;
  uint32_t count; /* 0: empty slot */
} entry_t;

typedef struct {
  entry_t *slots;
  uint32_t mask;
  uint32_t size;
  uint32_t max_entries;
  uint32_t client_mask;
  uint32_t states;
  uint8_t padded[MAX_STATES][STATE_WIDTH];
  uint8_t counted[MAX_STATES];
  double rows;
  double templates;
  double by_state[MAX_STATES];
  /* Services (vip, proto << 16 | port) by ordinal, in order of first hand-over; index: ordinal + 1 per slot. */
  uint32_t *svc_key;
  uint32_t svc_count;
  uint32_t svc_cap;
  uint32_t *svc_index;
  uint32_t svc_mask;
} conn4_t;

#define CHECK(env, call) LBFW_NAPI_CHECK(env, "lbfw conn_scan", call)

static inline uint32_t hash3(uint32_t a, uint32_t b, uint32_t c) {
  uint32_t h = (a ^ 0x9e3779b9u) * 0x85ebca6bu;
  h ^= (b + 0x7f4a7c15u) * 0xc2b2ae35u;
  h ^= (c + 0x165667b1u) * 0x27d4eb2fu;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 13;
  return h;
}

static int allocate(conn4_t *t, uint32_t slots) {
  entry_t *fresh = calloc(slots, sizeof(entry_t));
  if (fresh == NULL) return 0;
  free(t->slots);
  t->slots = fresh;
  t->mask = slots - 1;
  t->size = 0;
  return 1;
}

/* Doubles the table; 0 when memory is short (the table then counts as full). */
static int grow(conn4_t *t) {
  uint32_t slots = (t->mask + 1) * 2;
  entry_t *fresh = calloc(slots, sizeof(entry_t));
  if (fresh == NULL) return 0;
  uint32_t mask = slots - 1;
  for (uint32_t i = 0; i <= t->mask; i++) {
    entry_t *e = &t->slots[i];
    if (e->count == 0) continue;
    uint32_t s = hash3(e->client, e->vip, e->port) & mask;
    while (fresh[s].count != 0) s = (s + 1) & mask;
    fresh[s] = *e;
  }
  free(t->slots);
  t->slots = fresh;
  t->mask = mask;
  return 1;
}

/* Adds one to the key's count; 0 when the key is new and there is no room for it. */
static inline int add(conn4_t *t, uint32_t client, uint32_t vip, uint32_t port, uint32_t h) {
  uint32_t s = h & t->mask;
  for (;;) {
    entry_t *e = &t->slots[s];
    if (e->count == 0) break;
    if (e->client == client && e->vip == vip && e->port == port) {
      e->count++;
      return 1;
    }
    s = (s + 1) & t->mask;
  }
  if (t->size >= t->max_entries) return 0;
  if ((t->size + 1) * 2 > t->mask + 1) {
    if (!grow(t)) return 0;
    s = h & t->mask;
    while (t->slots[s].count != 0) s = (s + 1) & t->mask;
  }
  entry_t *e = &t->slots[s];
  e->client = client;
  e->vip = vip;
  e->port = port;
  e->count = 1;
  t->size++;
  return 1;
}

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/* Per byte of x (each below 0x80): high bit set where the byte is >= lo, and where it is > hi. */
#define GE(x, lo) (((x) + (0x80 - (lo)) * ONES) & HIGH)
#define GT(x, hi) (((x) + (0x7f - (hi)) * ONES) & HIGH)

/*
 * Eight hex digits (either case) in x, first digit in the low byte (the
 * bytes as loaded on a little-endian machine), as a number; 0 when a byte
 * is not a hex digit. Byte-parallel: a row has 36 such digits.
 */
static inline __attribute__((always_inline)) int hex_word(uint64_t x, uint32_t *out) {
  if (x & HIGH) return 0;
  uint64_t digit = GE(x, 0x30) & ~GT(x, 0x39);
  uint64_t upper = GE(x, 0x41) & ~GT(x, 0x46);
  uint64_t lower = GE(x, 0x61) & ~GT(x, 0x66);
  if ((digit | upper | lower) != HIGH) return 0;
  /* '0'-'9' -> 0-9; 'A'-'F' and 'a'-'f' (bit 6 set) -> 1-6 plus 9. */
  uint64_t n = (x & 0x0f0f0f0f0f0f0f0full) + ((x >> 6) & ONES) * 9;
  n = ((n << 4) + (n >> 8)) & 0x00ff00ff00ff00ffull;
  n = ((n << 8) + (n >> 16)) & 0x0000ffff0000ffffull;
  *out = (uint32_t)((n << 16) + (n >> 32));
  return 1;
}

static inline __attribute__((always_inline)) uint64_t load8(const uint8_t *p) {
  uint64_t x;
  memcpy(&x, p, 8);
  return x;
}

/* Four hex digits at p, or -1. */
static inline __attribute__((always_inline)) int32_t hex4(const uint8_t *p) {
  uint32_t w, v;
  memcpy(&w, p, 4);
  /* Four digits padded with four '0's in front: the same value. */
  if (!hex_word(0x30303030ull | ((uint64_t)w << 32), &v)) return -1;
  return (int32_t)v;
}

/* Index of the padded state (`%-11s`) at p, or -1; the first state is compared first (ESTABLISHED, most rows). */
static inline __attribute__((always_inline)) int state_of(const conn4_t *t, const uint8_t *p) {
  uint64_t head = load8(p);
  uint32_t tail;
  memcpy(&tail, p + STATE_WIDTH - 4, 4);
  for (uint32_t s = 0; s < t->states; s++) {
    uint32_t known_tail;
    memcpy(&known_tail, t->padded[s] + STATE_WIDTH - 4, 4);
    if (load8(t->padded[s]) == head && known_tail == tail) return (int)s;
  }
  return -1;
}

/* Eight hex digits already checked (either case), first in the low byte, as a number. */
static inline __attribute__((always_inline)) uint32_t hex_value(uint64_t x) {
  uint64_t n = (x & 0x0f0f0f0f0f0f0f0full) + ((x >> 6) & ONES) * 9;
  n = ((n << 4) + (n >> 8)) & 0x00ff00ff00ff00ffull;
  n = ((n << 8) + (n >> 16)) & 0x0000ffff0000ffffull;
  return (uint32_t)((n << 16) + (n >> 32));
}

#if defined(__SSE2__) && !defined(LBFW_CONN_SCALAR)
#include <emmintrin.h>

/* Bit i set where byte i of the row's first 64 bytes is a space, a digit, a hex digit. */
typedef struct {
  uint64_t space, digit, hex;
} classes_t;

static inline __attribute__((always_inline)) classes_t classify(const uint8_t *p) {
  classes_t c = {0, 0, 0};
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
    /* Signed compares: bytes from 0x80 are negative and fall outside every range. */
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), v));
    __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(folded, _mm_set1_epi8('a' - 1)), _mm_cmpgt_epi8(_mm_set1_epi8('f' + 1), folded));
    __m128i space = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
    c.space |= (uint64_t)(uint16_t)_mm_movemask_epi8(space) << (16 * k);
    c.digit |= (uint64_t)(uint16_t)_mm_movemask_epi8(digit) << (16 * k);
    c.hex |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(digit, letter)) << (16 * k);
  }
  return c;
}

#define BIT(i) (1ull << (i))
#define BITS(from, to) (((to) >= 63 ? ~0ull : (BIT((to) + 1) - 1)) & ~(BIT(from) - 1))
/* `%-3s %08X %04X %08X %04X %08X %04X %-11s %7u`: where the separators and the hex digits are. */
static const uint64_t ROW_SPACES = BIT(3) | BIT(12) | BIT(17) | BIT(26) | BIT(31) | BIT(40) | BIT(45) | BIT(57);
static const uint64_t ROW_HEX = BITS(4, 11) | BITS(13, 16) | BITS(18, 25) | BITS(27, 30) | BITS(32, 39) | BITS(41, 44);
#endif

/* One parsed row: what the second pass applies. state -1: a template. */
typedef struct {
  int32_t state;
  uint32_t client;
  uint32_t vip;
  uint32_t port;
  uint32_t hash;
} parsed_t;

/*
 * Parses the plain row at p (p[ROW_BYTES] is known to be '\n'); 0 when it is
 * not plain. The checks are decodePlainRows' checks, in its order of meaning.
 */
#if defined(__SSE2__) && !defined(LBFW_CONN_SCALAR)
/* parse_row with the bytes classified 16 at a time: the same checks, as bit masks. */
static inline __attribute__((always_inline)) int parse_row(const conn4_t *t, const uint8_t *p, parsed_t *out) {
  classes_t c = classify(p);
  if ((c.space & ROW_SPACES) != ROW_SPACES || (c.hex & ROW_HEX) != ROW_HEX) return 0;
  uint32_t proto;
  if (p[0] == 'T' && p[1] == 'C' && p[2] == 'P') proto = 0;
  else if (p[0] == 'U' && p[1] == 'D' && p[2] == 'P') proto = 1;
  else return 0;
  int state = state_of(t, p + 46);
  if (state < 0) return 0;
  /* Expires, %7u, bytes 58-64: spaces, then at least one digit, to the end (bit 6: byte 64). */
  uint32_t digits = (uint32_t)((c.digit >> 58) & 0x3f) | (p[64] >= '0' && p[64] <= '9' ? 0x40u : 0);
  uint32_t spaces = (uint32_t)((c.space >> 58) & 0x3f);
  if ((digits | spaces) != 0x7f || digits + (digits & -digits) != 0x80) return 0;
  uint32_t w;
  memcpy(&w, p + 13, 4);
  uint32_t cp = hex_value(0x30303030ull | ((uint64_t)w << 32));
  if (cp == 0) {
    out->state = -1;
    return 1;
  }
  memcpy(&w, p + 27, 4);
  uint32_t vp = hex_value(0x30303030ull | ((uint64_t)w << 32));
  out->state = state;
  out->client = hex_value(load8(p + 4)) & t->client_mask;
  out->vip = hex_value(load8(p + 18));
  out->port = (proto << 16) | vp;
  out->hash = hash3(out->client, out->vip, out->port);
  return 1;
}
#else
static inline __attribute__((always_inline)) int parse_row(const conn4_t *t, const uint8_t *p, parsed_t *out) {
  if (p[3] != ' ' || p[12] != ' ' || p[17] != ' ' || p[26] != ' ' || p[31] != ' ' || p[40] != ' ' || p[45] != ' ' || p[57] != ' ') return 0;
  uint32_t proto;
  if (p[0] == 'T' && p[1] == 'C' && p[2] == 'P') proto = 0;
  else if (p[0] == 'U' && p[1] == 'D' && p[2] == 'P') proto = 1;
  else return 0;
  int32_t cp = hex4(p + 13), vp = hex4(p + 27), dp = hex4(p + 41);
  uint32_t client, vip, dest;
  if ((cp | vp | dp) < 0 || !hex_word(load8(p + 4), &client) || !hex_word(load8(p + 18), &vip) || !hex_word(load8(p + 32), &dest)) return 0;
  int state = state_of(t, p + 46);
  if (state < 0) return 0;
  /* Expires, %7u: spaces, then at least one digit, to the end. */
  int e = 58;
  while (e < 64 && p[e] == ' ') e++;
  for (; e < ROW_BYTES; e++) {
    if (p[e] < '0' || p[e] > '9') return 0;
  }
  if (cp == 0) {
    out->state = -1;
    return 1;
  }
  out->state = state;
  out->client = client & t->client_mask;
  out->vip = vip;
  out->port = (proto << 16) | (uint32_t)vp;
  out->hash = hash3(out->client, out->vip, out->port);
  return 1;
}
#endif

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  conn4_t *t = data;
  free(t->slots);
  free(t->svc_key);
  free(t->svc_index);
  free(t);
}

static napi_value conn4_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "conn4Open(states, counted, mask, maxEntries)");
    return NULL;
  }
  uint32_t states, mask, max_entries;
  CHECK(env, napi_get_array_length(env, argv[0], &states));
  napi_typedarray_type type;
  size_t counted_length;
  void *counted;
  CHECK(env, napi_get_typedarray_info(env, argv[1], &type, &counted_length, &counted, NULL, NULL));
  CHECK(env, napi_get_value_uint32(env, argv[2], &mask));
  CHECK(env, napi_get_value_uint32(env, argv[3], &max_entries));
  if (states > MAX_STATES || type != napi_uint8_array || counted_length < states || max_entries < 1) {
    napi_throw_range_error(env, NULL, "conn4Open: too many states, or a bad counted array or maxEntries");
    return NULL;
  }
  conn4_t *t = calloc(1, sizeof(conn4_t));
  if (t == NULL || !allocate(t, 4096)) {
    free(t);
    napi_throw_error(env, NULL, "conn4Open: out of memory");
    return NULL;
  }
  t->states = states;
  t->client_mask = mask;
  t->max_entries = max_entries;
  memset(t->padded, ' ', sizeof t->padded);
  for (uint32_t s = 0; s < states; s++) {
    napi_value name;
    char text[STATE_WIDTH + 2];
    size_t length = 0;
    if (napi_get_element(env, argv[0], s, &name) != napi_ok || napi_get_value_string_latin1(env, name, text, sizeof text, &length) != napi_ok || length > STATE_WIDTH) {
      finalize(env, t, NULL);
      napi_throw_range_error(env, NULL, "conn4Open: a state is not a string of at most 11 bytes");
      return NULL;
    }
    memcpy(t->padded[s], text, length);
    t->counted[s] = ((const uint8_t *)counted)[s];
  }
  napi_value handle;
  if (napi_create_external(env, t, finalize, NULL, &handle) != napi_ok) {
    finalize(env, t, NULL);
    napi_throw_error(env, NULL, "conn4Open: napi_create_external failed");
    return NULL;
  }
  return handle;
}

static napi_value conn4_scan(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  conn4_t *t;
  napi_typedarray_type type;
  size_t length;
  void *data;
  int64_t start, end, room;
  if (argc < 5 || napi_get_value_external(env, argv[0], (void **)&t) != napi_ok || napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || napi_get_value_int64(env, argv[2], &start) != napi_ok || napi_get_value_int64(env, argv[3], &end) != napi_ok ||
      napi_get_value_int64(env, argv[4], &room) != napi_ok || start < 0 || end < start || (size_t)end > length) {
    napi_throw_type_error(env, NULL, "conn4Scan(handle, bytes: Uint8Array, start, end, room)");
    return NULL;
  }
  const uint8_t *b = data;
  int64_t s = start;
  int full = 0;
  parsed_t batch[BATCH];
  while (room > 0 && !full) {
    /* Pass 1: parse up to BATCH rows and prefetch their slots. */
    int n = 0;
    int64_t at = s;
    while (n < BATCH && n < room && at + ROW_BYTES < end && b[at + ROW_BYTES] == '\n' && parse_row(t, b + at, &batch[n])) {
      if (batch[n].state >= 0 && t->counted[batch[n].state]) __builtin_prefetch(&t->slots[batch[n].hash & t->mask], 1);
      n++;
      at += ROW_BYTES + 1;
    }
    if (n == 0) break;
    /* Pass 2: count them in order; a new key without room stops before its row. */
    int i = 0;
    for (; i < n; i++) {
      const parsed_t *r = &batch[i];
      if (r->state >= 0 && t->counted[r->state] && !add(t, r->client, r->vip, r->port, r->hash)) {
        full = 1;
        break;
      }
      if (r->state < 0) t->templates++;
      else t->by_state[r->state]++;
    }
    t->rows += i;
    room -= i;
    s += (int64_t)i * (ROW_BYTES + 1);
    if (i < BATCH) break;
  }
  napi_value result;
  CHECK(env, napi_create_double(env, full ? (double)-(s + 1) : (double)s, &result));
  return result;
}

/* The ordinal of service (vip, port), given the next one when new; UINT32_MAX when memory is short. */
static uint32_t service_of(conn4_t *t, uint32_t vip, uint32_t port) {
  if (t->svc_index == NULL || (t->svc_count + 1) * 2 > t->svc_mask + 1) {
    uint32_t slots = t->svc_index == NULL ? 64 : (t->svc_mask + 1) * 2;
    uint32_t *index = calloc(slots, sizeof(uint32_t));
    if (index == NULL) return UINT32_MAX;
    for (uint32_t o = 0; o < t->svc_count; o++) {
      uint32_t at = hash3(t->svc_key[2 * o], t->svc_key[2 * o + 1], 0) & (slots - 1);
      while (index[at] != 0) at = (at + 1) & (slots - 1);
      index[at] = o + 1;
    }
    free(t->svc_index);
    t->svc_index = index;
    t->svc_mask = slots - 1;
  }
  uint32_t at = hash3(vip, port, 0) & t->svc_mask;
  for (; t->svc_index[at] != 0; at = (at + 1) & t->svc_mask) {
    uint32_t o = t->svc_index[at] - 1;
    if (t->svc_key[2 * o] == vip && t->svc_key[2 * o + 1] == port) return o;
  }
  if (t->svc_count == t->svc_cap) {
    uint32_t cap = t->svc_cap == 0 ? 16 : t->svc_cap * 2;
    uint32_t *keys = realloc(t->svc_key, (size_t)cap * 2 * sizeof(uint32_t));
    if (keys == NULL) return UINT32_MAX;
    t->svc_key = keys;
    t->svc_cap = cap;
  }
  uint32_t o = t->svc_count++;
  t->svc_key[2 * o] = vip;
  t->svc_key[2 * o + 1] = port;
  t->svc_index[at] = o + 1;
  return o;
}

/*
 * Writes the table's entries to `out` ordered by client (an LSD radix sort,
 * 8 bits a pass): the caller then sees each client's tuples side by side and
 * sums a client in one pass, without a hash table of its own.
 */
static int sorted_by_client(const conn4_t *t, entry_t *out) {
  entry_t *tmp = malloc((size_t)t->size * sizeof(entry_t));
  if (tmp == NULL) return 0;
  /* Passes alternate between the two arrays; four passes end in `out`. */
  entry_t *from = out, *to = tmp;
  uint32_t k = 0;
  for (uint32_t i = 0; i <= t->mask; i++) {
    if (t->slots[i].count != 0) from[k++] = t->slots[i];
  }
  for (int shift = 0; shift < 32; shift += 8) {
    uint32_t start[257] = {0};
    for (uint32_t i = 0; i < k; i++) start[((from[i].client >> shift) & 0xff) + 1]++;
    for (int d = 0; d < 256; d++) start[d + 1] += start[d];
    for (uint32_t i = 0; i < k; i++) to[start[(from[i].client >> shift) & 0xff]++] = from[i];
    entry_t *swap = from;
    from = to;
    to = swap;
  }
  free(tmp);
  return 1;
}

static napi_value conn4_take(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  conn4_t *t;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&t) != napi_ok) {
    napi_throw_type_error(env, NULL, "conn4Take(handle)");
    return NULL;
  }
  entry_t *sorted = malloc(((size_t)t->size + 1) * sizeof(entry_t));
  if (sorted == NULL || (t->size > 0 && !sorted_by_client(t, sorted))) {
    free(sorted);
    napi_throw_error(env, NULL, "conn4Take: out of memory");
    return NULL;
  }
  /* Each tuple's service as an ordinal (stable over the handle's life), and the counts per service and clients. */
  napi_value tuples_buffer, tuples, result;
  void *tuple_data;
  size_t tuple_count = (size_t)t->size * 3;
  if (napi_create_arraybuffer(env, tuple_count * sizeof(uint32_t), &tuple_data, &tuples_buffer) != napi_ok) {
    free(sorted);
    napi_throw_error(env, NULL, "conn4Take: napi_create_arraybuffer failed");
    return NULL;
  }
  uint32_t *out = tuple_data;
  uint32_t clients = 0;
  for (uint32_t i = 0; i < t->size; i++) {
    uint32_t service = service_of(t, sorted[i].vip, sorted[i].port);
    if (service == UINT32_MAX) {
      free(sorted);
      napi_throw_error(env, NULL, "conn4Take: out of memory");
      return NULL;
    }
    if (i == 0 || sorted[i].client != sorted[i - 1].client) clients++;
    out[3 * i] = sorted[i].client;
    out[3 * i + 1] = service;
    out[3 * i + 2] = sorted[i].count;
  }
  free(sorted);
  CHECK(env, napi_create_typedarray(env, napi_uint32_array, tuple_count, tuples_buffer, 0, &tuples));
  napi_value services_buffer, services, totals_buffer, totals, per_service_buffer, per_service;
  void *service_data, *total_data, *per_service_data;
  CHECK(env, napi_create_arraybuffer(env, (size_t)t->svc_count * 2 * sizeof(uint32_t), &service_data, &services_buffer));
  CHECK(env, napi_create_typedarray(env, napi_uint32_array, (size_t)t->svc_count * 2, services_buffer, 0, &services));
  if (t->svc_count > 0) memcpy(service_data, t->svc_key, (size_t)t->svc_count * 2 * sizeof(uint32_t));
  CHECK(env, napi_create_arraybuffer(env, (size_t)t->svc_count * sizeof(double), &per_service_data, &per_service_buffer));
  CHECK(env, napi_create_typedarray(env, napi_float64_array, t->svc_count, per_service_buffer, 0, &per_service));
  double *per = per_service_data;
  for (uint32_t o = 0; o < t->svc_count; o++) per[o] = 0;
  for (size_t i = 0; i < tuple_count; i += 3) per[out[i + 1]] += out[i + 2];
  size_t total_count = 3 + (size_t)t->states;
  CHECK(env, napi_create_arraybuffer(env, total_count * sizeof(double), &total_data, &totals_buffer));
  CHECK(env, napi_create_typedarray(env, napi_float64_array, total_count, totals_buffer, 0, &totals));
  double *sums = total_data;
  sums[0] = t->rows;
  sums[1] = t->templates;
  sums[2] = clients;
  for (uint32_t s = 0; s < t->states; s++) sums[3 + s] = t->by_state[s];
  /* Emptied, keeping its size: a table that filled once is likely to fill again. */
  memset(t->slots, 0, ((size_t)t->mask + 1) * sizeof(entry_t));
  t->size = 0;
  t->rows = 0;
  t->templates = 0;
  memset(t->by_state, 0, sizeof t->by_state);
  CHECK(env, napi_create_array_with_length(env, 4, &result));
  CHECK(env, napi_set_element(env, result, 0, tuples));
  CHECK(env, napi_set_element(env, result, 1, totals));
  CHECK(env, napi_set_element(env, result, 2, services));
  CHECK(env, napi_set_element(env, result, 3, per_service));
  return result;
}

void conn_scan_register(napi_env env, napi_value exports) {
  lbfw_export(env, exports, "conn4Open", conn4_open);
  lbfw_export(env, exports, "conn4Scan", conn4_scan);
  lbfw_export(env, exports, "conn4Take", conn4_take);
}
