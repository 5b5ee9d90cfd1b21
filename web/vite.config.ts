import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// A plain SPA: one index.html, hashed files under /assets/, no inline scripts
// or styles, so the server's strict Content-Security-Policy holds.
export default defineConfig({
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    // MapLibre (about 1 MB) is its own chunk, loaded only by pages with a map.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { '/api': process.env.SHOEBOX_URL ?? 'http://127.0.0.1:2283' },
  },
});
