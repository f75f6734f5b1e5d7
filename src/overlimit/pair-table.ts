/**
 * PairTable: an open-addressing hash from a pair of unsigned 32-bit numbers
 * to a dense ordinal (0, 1, 2, ... in order of first sight). The counter's
 * hot path looks up a client or a (client, service) pair once per row: with
 * typed arrays and integer keys that costs no allocation, where a Map keyed
 * by a number above 2^31 (most IPv4 addresses) boxes the key on every call.
 */
export class PairTable {
  #mask: number;
  /** Slot -> ordinal + 1 (0 = empty). */
  #slots: Int32Array;
  /** Ordinal -> key halves. */
  #a: Uint32Array;
  #b: Uint32Array;
  #size = 0;

  constructor(capacity = 1024) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.#mask = slots - 1;
    this.#slots = new Int32Array(slots);
    this.#a = new Uint32Array(slots / 2);
    this.#b = new Uint32Array(slots / 2);
  }

  /** Number of distinct pairs seen. */
  get size(): number {
    return this.#size;
  }

  /** a and b of the pair with ordinal `ordinal`. */
  first(ordinal: number): number {
    return this.#a[ordinal] as number;
  }

  second(ordinal: number): number {
    return this.#b[ordinal] as number;
  }

  /** find returns the pair's ordinal, or -1 when it was never added. */
  find(a: number, b: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    for (let s = hash(a, b) & mask; ; s = (s + 1) & mask) {
      const entry = slots[s] as number;
      if (entry === 0) return -1;
      if (this.#a[entry - 1] === a >>> 0 && this.#b[entry - 1] === b >>> 0) return entry - 1;
    }
  }

  /** add returns the pair's ordinal, giving it the next one when new. */
  add(a: number, b: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    const keysA = this.#a;
    const keysB = this.#b;
    a >>>= 0;
    b >>>= 0;
    let s = hash(a, b) & mask;
    for (;;) {
      const entry = slots[s] as number;
      if (entry === 0) break;
      if (keysA[entry - 1] === a && keysB[entry - 1] === b) return entry - 1;
      s = (s + 1) & mask;
    }
    const ordinal = this.#size++;
    keysA[ordinal] = a;
    keysB[ordinal] = b;
    slots[s] = ordinal + 1;
    // Half full: double (ordinals stay, slots are rebuilt).
    if (this.#size * 2 >= slots.length) this.#grow();
    return ordinal;
  }

  #grow(): void {
    const length = this.#slots.length * 2;
    const mask = length - 1;
    const slots = new Int32Array(length);
    const a = new Uint32Array(length / 2);
    const b = new Uint32Array(length / 2);
    a.set(this.#a.subarray(0, this.#size));
    b.set(this.#b.subarray(0, this.#size));
    for (let ordinal = 0; ordinal < this.#size; ordinal++) {
      let s = hash(a[ordinal] as number, b[ordinal] as number) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = ordinal + 1;
    }
    this.#slots = slots;
    this.#a = a;
    this.#b = b;
    this.#mask = mask;
  }
}

/** Mixes two 32-bit keys (multiply-xorshift): sequential addresses spread over the slots. */
function hash(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h;
}

/** GrowingCounts: a count per ordinal in a typed array that grows as ordinals are handed out. */
export class GrowingCounts {
  #counts = new Uint32Array(1024);

  /** increment adds one to the count of `ordinal`. */
  increment(ordinal: number): void {
    if (ordinal >= this.#counts.length) {
      const bigger = new Uint32Array(Math.max(this.#counts.length * 2, ordinal + 1));
      bigger.set(this.#counts);
      this.#counts = bigger;
    }
    this.#counts[ordinal] = (this.#counts[ordinal] as number) + 1;
  }

  /** add adds `n` to the count of `ordinal`. */
  add(ordinal: number, n: number): void {
    if (ordinal >= this.#counts.length) {
      const bigger = new Uint32Array(Math.max(this.#counts.length * 2, ordinal + 1));
      bigger.set(this.#counts);
      this.#counts = bigger;
    }
    this.#counts[ordinal] = (this.#counts[ordinal] as number) + n;
  }

  get(ordinal: number): number {
    return ordinal < this.#counts.length ? (this.#counts[ordinal] as number) : 0;
  }
}

/** Mixes one 32-bit key (multiply-xorshift). */
function mix(k: number): number {
  let h = Math.imul(k ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h;
}

/** Services counted inside a client's record; more go to a PairTable. */
export const RECORD_SERVICES = 7;
const STRIDE = RECORD_SERVICES + 1;

/**
 * ClientRecords: per client ordinal, its total and its counts for the first
 * {@link RECORD_SERVICES} services, in one 32-byte record (one cache line
 * with the total).
 */
export class ClientRecords {
  #data = new Uint32Array(STRIDE * 4096);

  /** add counts one connection; false when `service` has no place in the record (the caller counts it elsewhere). */
  add(ordinal: number, service: number): boolean {
    const base = ordinal * STRIDE;
    if (base >= this.#data.length) {
      const bigger = new Uint32Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    const data = this.#data;
    data[base] = (data[base] as number) + 1;
    if (service >= RECORD_SERVICES) return false;
    data[base + 1 + service] = (data[base + 1 + service] as number) + 1;
    return true;
  }

  total(ordinal: number): number {
    return (this.#data[ordinal * STRIDE] as number | undefined) ?? 0;
  }

  /** service returns the count of `service` (< RECORD_SERVICES). */
  service(ordinal: number, service: number): number {
    return (this.#data[ordinal * STRIDE + 1 + service] as number | undefined) ?? 0;
  }
}

/** Services counted inside an IPv4 client's slot; more go to a PairTable. */
export const SLOT_SERVICES = 5;
const SLOT = 3 + SLOT_SERVICES;

/**
 * ClientTable4: IPv4 clients in an open-addressing table whose slot holds
 * everything a row updates: key, ordinal, total and the counts of the first
 * {@link SLOT_SERVICES} services, 32 bytes. A row then costs one cache miss
 * (50k clients do not fit the cache; a separate record would be a second).
 */
export class ClientTable4 {
  #mask: number;
  /** Slot s at s * SLOT: key, ordinal + 1 (0 = empty), total, service counts. */
  #slots: Int32Array;
  #size = 0;

  constructor(capacity = 1024) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.#mask = slots - 1;
    this.#slots = new Int32Array(slots * SLOT);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * count adds one connection of `key` to `service` and returns the client's
   * ordinal; `service` past the slot's counts is the caller's to count.
   */
  count(key: number, service: number): number {
    return this.countMany(key, service, 1);
  }

  /** countMany is {@link count} of `n` connections at once (the native scanner's aggregated tuples). */
  countMany(key: number, service: number, n: number): number {
    const k = key | 0;
    let slots = this.#slots;
    const mask = this.#mask;
    let s = mix(k) & mask;
    let at = s * SLOT;
    for (;;) {
      if (slots[at + 1] === 0) break;
      if (slots[at] === k) {
        slots[at + 2] = (slots[at + 2] as number) + n;
        if (service < SLOT_SERVICES) slots[at + 3 + service] = (slots[at + 3 + service] as number) + n;
        return (slots[at + 1] as number) - 1;
      }
      s = (s + 1) & mask;
      at = s * SLOT;
    }
    const ordinal = this.#size++;
    slots[at] = k;
    slots[at + 1] = ordinal + 1;
    slots[at + 2] = n;
    if (service < SLOT_SERVICES) slots[at + 3 + service] = n;
    if (this.#size * 2 >= mask + 1) {
      this.#grow();
      slots = this.#slots;
    }
    return ordinal;
  }

  /** forEach calls `fn` with every client's key (unsigned), ordinal, total and a reader of its slot's service counts. */
  forEach(fn: (key: number, ordinal: number, total: number, service: (index: number) => number) => void): void {
    const slots = this.#slots;
    for (let at = 0; at < slots.length; at += SLOT) {
      if (slots[at + 1] === 0) continue;
      const base = at;
      fn((slots[at] as number) >>> 0, (slots[at + 1] as number) - 1, slots[at + 2] as number, (index) => (slots[base + 3 + index] as number));
    }
  }

  #grow(): void {
    const old = this.#slots;
    const count = (this.#mask + 1) * 2;
    const mask = count - 1;
    const slots = new Int32Array(count * SLOT);
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at + 1] === 0) continue;
      let s = mix(old[at] as number) & mask;
      while (slots[s * SLOT + 1] !== 0) s = (s + 1) & mask;
      // Copied field by field: a subarray per client would allocate.
      const to = s * SLOT;
      for (let f = 0; f < SLOT; f++) slots[to + f] = old[at + f] as number;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}
