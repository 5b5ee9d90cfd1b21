// One configured Immich SDK client for the whole app: same origin, cookie auth.
import { init, isHttpError } from '@immich/sdk';

init({ baseUrl: '/api', apiKey: '' });

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
  `/api/assets/${id}/thumbnail?size=${size}`;
export const originalUrl = (id: string) => `/api/assets/${id}/original`;
export const playbackUrl = (id: string) => `/api/assets/${id}/video/playback`;
