// Addresses of shared links as Immich's web app has them: /share/<key>, or
// /s/<slug> when the link has a custom ending, on the configured external domain.
import type { SharedLinkResponseDto } from '@immich/sdk';
import { session } from './session.svelte';

export function shareUrl(link: Pick<SharedLinkResponseDto, 'key' | 'slug'>): string {
  const origin = (session.config?.externalDomain || location.origin).replace(/\/+$/, '');
  return link.slug ? `${origin}/s/${encodeURIComponent(link.slug)}` : `${origin}/share/${link.key}`;
}

export function expiryText(expiresAt: string | null): string {
  if (!expiresAt) return 'Never expires';
  const at = new Date(expiresAt);
  return at.getTime() < Date.now() ? `Expired ${at.toLocaleString()}` : `Expires ${at.toLocaleString()}`;
}
