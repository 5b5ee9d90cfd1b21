// One configured Immich SDK client for the whole app: same origin, cookie auth.
import { downloadArchive, getDownloadInfo, init, isHttpError, setHeader } from '@immich/sdk';

init({ baseUrl: '/api', apiKey: '' });

/** A shared link's visitor: every API call and media URL carries the link's key or slug. */
export interface ShareAuth {
  key?: string;
  slug?: string;
}
let share: ShareAuth = {};

export function useShareAuth(auth: ShareAuth) {
  share = auth;
  if (auth.key) setHeader('x-immich-share-key', auth.key);
  if (auth.slug) setHeader('x-immich-share-slug', auth.slug);
}

/** `key=…` or `slug=…` for `<img>`/`<video>` URLs, which cannot send headers. */
function shareParam(): string {
  if (share.key) return `key=${encodeURIComponent(share.key)}`;
  if (share.slug) return `slug=${encodeURIComponent(share.slug)}`;
  return '';
}
export function withShare(url: string): string {
  const param = shareParam();
  return param ? url + (url.includes('?') ? '&' : '?') + param : url;
}

/** The message to show a person for a failed call. */
export function errorMessage(error: unknown): string {
  if (isHttpError(error)) {
    const body = error.data as { message?: string | string[] } | undefined;
    const message = Array.isArray(body?.message) ? body?.message.join(', ') : body?.message;
    return message ?? `Request failed (${error.status})`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function isUnauthorized(error: unknown): boolean {
  return isHttpError(error) && error.status === 401;
}

export const thumbnailUrl = (id: string, size: 'thumbnail' | 'preview' = 'thumbnail') =>
  withShare(`/api/assets/${id}/thumbnail?size=${size}`);
export const originalUrl = (id: string) => withShare(`/api/assets/${id}/original`);
export const playbackUrl = (id: string) => withShare(`/api/assets/${id}/video/playback`);
export const personThumbnailUrl = (id: string, updatedAt?: string) =>
  `/api/people/${id}/thumbnail${updatedAt ? `?u=${encodeURIComponent(updatedAt)}` : ''}`;

/** Saves a blob under a file name through a temporary link. */
export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads assets (or an album) as zip archives, as the server plans them. */
export async function downloadZip(what: { assetIds?: string[]; albumId?: string }, name: string) {
  const info = await getDownloadInfo({ downloadInfoDto: what });
  for (const [i, archive] of info.archives.entries()) {
    const blob = await downloadArchive({ downloadArchiveDto: { assetIds: archive.assetIds } });
    saveBlob(blob, info.archives.length > 1 ? `${name}-${i + 1}.zip` : `${name}.zip`);
  }
}
