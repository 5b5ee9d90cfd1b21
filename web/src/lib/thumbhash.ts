// Thumbhash placeholders, decoded on demand and kept for a bounded number of assets.
import { thumbHashToDataURL } from 'thumbhash';

const cache = new Map<string, string>();
const LIMIT = 3000;

export function placeholder(hash: string | null | undefined): string | undefined {
  if (!hash) return undefined;
  let url = cache.get(hash);
  if (url === undefined) {
    try {
      const bytes = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));
      url = thumbHashToDataURL(bytes);
    } catch {
      url = '';
    }
    if (cache.size >= LIMIT) cache.clear();
    cache.set(hash, url);
  }
  return url || undefined;
}
