/**
 * Alertmanager's label-set fingerprint (prometheus/common model `labelSetToFingerprint`):
 * FNV-1a 64 over the label names in sorted order, each name and value followed by the 0xff
 * separator byte, printed as 16 hex digits.
 */
const SEPARATOR = 0xff;
const encoder = new TextEncoder();

export function fingerprintOf(labels: Readonly<Record<string, string>>): string {
  const hash = new Fnv1a64();
  for (const name of Object.keys(labels).sort()) {
    hash.addText(name);
    hash.addByte(SEPARATOR);
    hash.addText(labels[name] ?? '');
    hash.addByte(SEPARATOR);
  }
  return hash.hex();
}

/**
 * The 64-bit FNV-1a state in two 32-bit halves (BigInt cost ~65 µs per alert; this 2.5 µs for
 * five labels, 2026-12-07). Fields of an object, not variables a closure captures: V8 boxes a
 * captured number anew on every write, two allocations per byte hashed (3.8 µs).
 * FNV prime 2^40 + 0x1b3: h * p = h * 0x1b3 + (h << 40), computed on 16-bit limbs.
 */
class Fnv1a64 {
  private hi = 0xcbf29ce4; // offset basis 0xcbf29ce484222325
  private lo = 0x84222325;

  addByte(byte: number): void {
    const lo = (this.lo ^ byte) >>> 0;
    const hi = this.hi;
    // (hi:lo) * 0x1b3 on 16-bit limbs, plus lo << 40 (which lands in hi as lo << 8).
    const p0 = (lo & 0xffff) * 0x1b3;
    const p1 = (lo >>> 16) * 0x1b3 + (p0 >>> 16);
    const p2 = (hi & 0xffff) * 0x1b3 + (p1 >>> 16);
    const p3 = (hi >>> 16) * 0x1b3 + (p2 >>> 16);
    this.hi = ((((p3 & 0xffff) << 16) | (p2 & 0xffff)) + (lo << 8)) >>> 0;
    this.lo = (((p1 & 0xffff) << 16) | (p0 & 0xffff)) >>> 0;
  }

  /** The UTF-8 bytes of `text` (ASCII read straight from the string). */
  addText(text: string): void {
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        for (const byte of encoder.encode(text.slice(i))) this.addByte(byte);
        return;
      }
      this.addByte(code);
    }
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}
