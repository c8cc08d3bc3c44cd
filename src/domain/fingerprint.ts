/**
 * Alertmanager's label-set fingerprint (prometheus/common model `labelSetToFingerprint`):
 * FNV-1a 64 over the label names in sorted order, each name and value followed by the 0xff
 * separator byte, printed as 16 hex digits.
 *
 * The 64-bit state is kept in two 32-bit halves (BigInt cost ~65 µs per alert; this ~1 µs).
 * FNV prime 2^40 + 0x1b3: h * p = h * 0x1b3 + (h << 40), computed on 16-bit limbs.
 */
const SEPARATOR = 0xff;
const encoder = new TextEncoder();

export function fingerprintOf(labels: Readonly<Record<string, string>>): string {
  // offset basis 0xcbf29ce484222325
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;

  const add = (byte: number): void => {
    lo ^= byte;
    // (hi:lo) * 0x1b3 on 16-bit limbs, plus lo << 40 (which lands in hi as lo << 8).
    const l0 = lo & 0xffff;
    const l1 = lo >>> 16;
    const h0 = hi & 0xffff;
    const h1 = hi >>> 16;
    const p0 = l0 * 0x1b3;
    const p1 = l1 * 0x1b3 + (p0 >>> 16);
    const p2 = h0 * 0x1b3 + (p1 >>> 16);
    const p3 = h1 * 0x1b3 + (p2 >>> 16);
    hi = ((((p3 & 0xffff) << 16) | (p2 & 0xffff)) + (lo << 8)) >>> 0;
    lo = (((p1 & 0xffff) << 16) | (p0 & 0xffff)) >>> 0;
  };
  const addText = (text: string): void => {
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        // Non-ASCII: hash the UTF-8 bytes of the rest.
        for (const byte of encoder.encode(text.slice(i))) add(byte);
        return;
      }
      add(code);
    }
  };

  for (const name of Object.keys(labels).sort()) {
    addText(name);
    add(SEPARATOR);
    addText(labels[name] ?? '');
    add(SEPARATOR);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
