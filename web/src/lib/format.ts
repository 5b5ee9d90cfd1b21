// Numbers as people read them.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null) return '';
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < UNITS.length - 1) {
    n /= 1024;
    u += 1;
  }
  return `${n.toFixed(u && n < 100 ? 1 : 0)} ${UNITS[u]}`;
}

export const GIB = 1024 ** 3;

export const formatCount = (n: number) => n.toLocaleString();
