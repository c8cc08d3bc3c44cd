import { randomFillSync } from 'node:crypto';

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const BYTES_PER_UUID = 16;
const UUIDS_PER_FILL = 256;

/**
 * Random (version 4) UUIDs, as crypto.randomUUID makes them (CSPRNG bytes, version and variant
 * bits set), but each returned as one flat string. randomUUID joins 20 pieces into a rope of
 * about 14 string objects that stays on the heap as long as the id does (~440 B per id) and
 * that every Map lookup walks; the engine keeps an id for each of the last 10 000 jobs.
 * Costs: one randomFillSync per 256 ids, one 36-byte string per id.
 */
export function createUuidSource(): () => string {
  const entropy = Buffer.allocUnsafe(BYTES_PER_UUID * UUIDS_PER_FILL);
  let used = entropy.length;
  const text = Buffer.alloc(36, '-');
  return () => {
    if (used === entropy.length) {
      randomFillSync(entropy);
      used = 0;
    }
    let at = 0;
    for (let k = 0; k < BYTES_PER_UUID; k += 1) {
      if (at === 8 || at === 13 || at === 18 || at === 23) at += 1; // the dashes stay
      let byte = entropy[used + k] ?? 0;
      if (k === 6) byte = (byte & 0x0f) | 0x40; // version 4
      if (k === 8) byte = (byte & 0x3f) | 0x80; // variant 10xx (RFC 9562)
      text[at] = HEX[byte >> 4] ?? 0;
      text[at + 1] = HEX[byte & 0x0f] ?? 0;
      at += 2;
    }
    used += BYTES_PER_UUID;
    return text.toString('latin1', 0, 36);
  };
}
