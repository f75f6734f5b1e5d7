/**
 * Set key types: what one element of a set is made of, and how many bytes
 * each part takes in a netlink element key (NFTA_SET_ELEM_KEY). Mirrors
 * nftables' datatypes (src/datatype.c) for the few types lbfw uses.
 */

/** KeyField is one datatype of a set key, as nft names it. */
export type KeyField = 'ipv4_addr' | 'ipv6_addr' | 'inet_proto' | 'inet_service';

/**
 * SetKey is a set's key type: one field, or several joined by ` . ` (a
 * concatenation, e.g. `ipv4_addr . inet_proto . inet_service`).
 */
export type SetKey = readonly [KeyField, ...KeyField[]];

/** Bytes of each field's value (datatype size): addresses, protocol number, port. */
export const KEY_FIELD_BYTES: Readonly<Record<KeyField, number>> = {
  ipv4_addr: 4,
  ipv6_addr: 16,
  inet_proto: 1,
  inet_service: 2,
};

/**
 * fieldWidth is the bytes a field takes inside a key. In a concatenation
 * every field is padded to a 32-bit register (NFT_REG32_SIZE, kernel
 * nf_tables.h): `ipv4_addr . inet_proto . inet_service` is 4 + 4 + 4 bytes.
 * A single-field key has the field's own size.
 */
export function fieldWidth(key: SetKey, index: number): number {
  const bytes = KEY_FIELD_BYTES[key[index] as KeyField];
  return key.length === 1 ? bytes : Math.ceil(bytes / 4) * 4;
}

/** keyWidth is the bytes of one whole key (the kernel set's key length, NFTA_SET_KEY_LEN). */
export function keyWidth(key: SetKey): number {
  let width = 0;
  for (let i = 0; i < key.length; i++) width += fieldWidth(key, i);
  return width;
}

/** keyTypeText is the key as nft prints it after `type`. */
export function keyTypeText(key: SetKey): string {
  return key.join(' . ');
}

/** parseKeyType reads nft's `type` text back into a SetKey, or undefined for types lbfw never writes. */
export function parseKeyType(text: string): SetKey | undefined {
  const fields = text.split(' . ');
  if (!fields.every((f): f is KeyField => f in KEY_FIELD_BYTES)) return undefined;
  return fields.length === 0 ? undefined : (fields as unknown as SetKey);
}

/** addressKey is the key of an address set of a family. */
export function addressKey(family: 4 | 6): SetKey {
  return family === 4 ? ['ipv4_addr'] : ['ipv6_addr'];
}

/** sameKey says whether two key types are equal. */
export function sameKey(a: SetKey, b: SetKey): boolean {
  return a.length === b.length && a.every((field, i) => field === b[i]);
}
