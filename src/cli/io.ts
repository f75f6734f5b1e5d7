/**
 * Where the CLI writes. Commands get an Io instead of touching process.stdout,
 * so tests can run the whole CLI in-process and read what it printed.
 */
import { elementTexts, isElementList } from '../nft/model/elements.js';

/** Io: the CLI's two output streams and whether stdout is a terminal. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
  readonly env: Record<string, string | undefined>;
}

/** processIo writes to the real process streams. */
export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTty: process.stdout.isTTY === true,
    env: process.env,
  };
}

/** jsonValue: bigints as decimal text, set elements (packed keys) as the nft text of each element. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (isElementList(value)) return elementTexts(value);
  return value;
}

/** printJson writes a value as pretty JSON with a trailing newline. */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, jsonValue, 2)}\n`);
}
