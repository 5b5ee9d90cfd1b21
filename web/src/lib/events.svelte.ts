// The server's live events over socket.io, as Immich's web app receives them: one connection
// while someone is signed in (the session cookie authenticates it), handlers per event name.
import type { AssetResponseDto } from '@immich/sdk';
import { io, type Socket } from 'socket.io-client';

export type LiveEventMap = {
  on_upload_success: (asset: AssetResponseDto) => void;
  on_asset_update: (asset: AssetResponseDto) => void;
  on_asset_trash: (ids: string[]) => void;
  on_asset_restore: (ids: string[]) => void;
  on_asset_delete: (id: string) => void;
  on_session_delete: (sessionId: string) => void;
};

type AnyHandler = (...args: never[]) => void;

/** Announced assets remembered, so a thumbnail that failed just before its event still knows. */
const REMEMBERED = 500;

class LiveEvents {
  connected = $state(false);
  #socket: Socket | null = null;
  // Handlers live here, not on the socket, so components may subscribe before it connects.
  #handlers = new Map<string, Set<AnyHandler>>();
  #ready = new Set<string>();

  /** Connects (once) to the page's own server. */
  start() {
    if (this.#socket) return;
    const socket = io({ path: '/api/socket.io', transports: ['websocket'] });
    socket.on('connect', () => (this.connected = true));
    socket.on('disconnect', () => (this.connected = false));
    socket.onAny((name: string, ...args: unknown[]) => {
      if (name === 'on_upload_success') this.#remember((args[0] as AssetResponseDto).id);
      for (const handler of this.#handlers.get(name) ?? []) (handler as (...a: unknown[]) => void)(...args);
    });
    this.#socket = socket;
  }

  stop() {
    this.#socket?.disconnect();
    this.#socket = null;
    this.connected = false;
    this.#ready.clear();
  }

  /** Calls `handler` for every `name` event until the returned function is called. */
  on<E extends keyof LiveEventMap>(name: E, handler: LiveEventMap[E]): () => void {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(handler as AnyHandler);
    return () => set.delete(handler as AnyHandler);
  }

  /** Whether the server has said this asset's thumbnails are ready. */
  announced(id: string): boolean {
    return this.#ready.has(id);
  }

  #remember(id: string) {
    this.#ready.add(id);
    if (this.#ready.size > REMEMBERED) this.#ready.delete(this.#ready.values().next().value!);
  }
}

export const liveEvents = new LiveEvents();
