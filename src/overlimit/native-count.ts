/**
 * The native scanner: the plain IPv4 rows of a connection table counted in
 * C (native/src/conn_scan.c, in lbfw's own addon), aggregated there per
 * (client prefix, VIP, protocol and port) and handed to the
 * {@link ConnCounter} as weighted tuples. It takes exactly the rows the
 * TypeScript reader's fast path takes and stops at any other line, which the
 * reader parses as always (conn-table.ts decides what every other row
 * means). Without the addon (not built, an older build, LBFW_NO_NATIVE=1)
 * the TypeScript path counts the same rows to the same result.
 */
import { loadNative, type Conn4Handle, type NativeBinding } from '../nft/netlink/native.js';
import { CONN_STATES, PLAIN_LINE_BYTES, type PlainRowSink } from './conn-table.js';
import type { ConnCounter } from './count.js';

/** Which scanner counted the plain IPv4 rows. */
export type ScannerName = 'native' | 'js';

/**
 * Tuples the C table holds before they are handed over (16 bytes each, in a
 * table at most twice as big: 16 MiB). A table with more distinct
 * (client, service) keys is handed over each time it fills, and goes on.
 */
export const MAX_NATIVE_TUPLES = 1 << 19;

type Conn4 = Required<Pick<NativeBinding, 'conn4Open' | 'conn4Scan' | 'conn4Take'>>;

/**
 * NativeCounter4 is the {@link PlainRowSink} of a scan: it counts plain rows
 * in C and adds them to `counter` when the C table fills and at the end.
 */
class NativeCounter4 implements PlainRowSink {
  readonly #binding: Conn4;
  readonly #handle: Conn4Handle;
  readonly #counter: ConnCounter;

  constructor(binding: Conn4, counter: ConnCounter, maxTuples: number) {
    const { counted, mask4 } = counter.plainRowRules;
    this.#binding = binding;
    this.#counter = counter;
    this.#handle = binding.conn4Open(CONN_STATES, counted, mask4, maxTuples);
  }

  take(bytes: Uint8Array, start: number, end: number, room: number): number {
    for (;;) {
      const stop = this.#binding.conn4Scan(this.#handle, bytes, start, end, room);
      if (stop >= 0) return stop;
      // Full: hand the tuples over and go on from the row that did not fit.
      const at = -stop - 1;
      this.#flush();
      room -= (at - start) / PLAIN_LINE_BYTES;
      start = at;
    }
  }

  end(): void {
    this.#flush();
  }

  #flush(): void {
    const [tuples, totals, services, perService] = this.#binding.conn4Take(this.#handle);
    this.#counter.addTuples4({ tuples, totals, services, perService });
  }
}

/** NativeScanner: the sink for a scan, or why there is none. */
export type NativeScanner = { readonly sink: PlainRowSink } | { readonly why: string };

/**
 * nativeScanner returns a native sink of plain rows counting into
 * `counter`, or why the TypeScript path counts them (the addon's reason).
 */
export function nativeScanner(counter: ConnCounter, env: Readonly<Record<string, string | undefined>> = process.env, maxTuples = MAX_NATIVE_TUPLES): NativeScanner {
  const binding = loadNative(env);
  if (typeof binding === 'string') return { why: binding };
  const { conn4Open, conn4Scan, conn4Take } = binding;
  if (conn4Open === undefined || conn4Scan === undefined || conn4Take === undefined) return { why: 'the native binding predates the connection-table counter (rebuild it: sh native/build.sh)' };
  return { sink: new NativeCounter4({ conn4Open, conn4Scan, conn4Take }, counter, maxTuples) };
}
