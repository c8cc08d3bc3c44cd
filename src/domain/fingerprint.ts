/**
 * Alertmanager's label-set fingerprint (prometheus/common model.LabelsToSignature's sibling
 * `labelSetToFingerprint`): FNV-1a 64 over the label names in sorted order, each name and
 * value followed by the 0xff separator byte, printed as 16 hex digits.
 */
const OFFSET64 = 0xcbf29ce484222325n;
const PRIME64 = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;
const SEPARATOR = 0xff;

const encoder = new TextEncoder();

function addBytes(hash: bigint, bytes: Uint8Array): bigint {
  let h = hash;
  for (const byte of bytes) {
    h ^= BigInt(byte);
    h = (h * PRIME64) & MASK64;
  }
  return h;
}

function addByte(hash: bigint, byte: number): bigint {
  return ((hash ^ BigInt(byte)) * PRIME64) & MASK64;
}

export function fingerprintOf(labels: Readonly<Record<string, string>>): string {
  let hash = OFFSET64;
  for (const name of Object.keys(labels).sort()) {
    hash = addBytes(hash, encoder.encode(name));
    hash = addByte(hash, SEPARATOR);
    hash = addBytes(hash, encoder.encode(labels[name] ?? ''));
    hash = addByte(hash, SEPARATOR);
  }
  return hash.toString(16).padStart(16, '0');
}
