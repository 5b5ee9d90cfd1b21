// MapLibre, loaded only by pages that show a map. Its worker comes from our own
// origin (the strict CSP allows no blob: workers) and its style from the server's
// map settings; when that style cannot be fetched the map falls back to a plain
// background, so markers still show with no tile host reachable.
import * as maplibregl from 'maplibre-gl';
import type { StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';

maplibregl.setWorkerUrl(workerUrl);

export { maplibregl };

export function blankStyle(dark: boolean): StyleSpecification {
  return {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': dark ? '#23211f' : '#e6e1da' } }],
  };
}
