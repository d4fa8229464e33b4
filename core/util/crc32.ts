// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320). Guards every durable
// record, so that a corrupted or torn record is detected instead of served.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Returns the CRC-32 of bytes [lo, hi) of `data` as an unsigned 32-bit number. */
export function crc32(data: Uint8Array, lo = 0, hi = data.length): number {
  let c = 0xffffffff;
  for (let i = lo; i < hi; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
