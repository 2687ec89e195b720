/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by `vireo serve` from web/dist at the site root (../shared/notes/web-stack.md has
// why each setting is here).
export default defineConfig({
  plugins: [react()],
  base: '/',
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@cornerstonejs/dicom-image-loader'] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    sourcemap: false,
    rollupOptions: {
      // A bare import left in the bundle fails only in the browser, at the moment its chunk
      // loads (a package forgetting a dependency): fail the build instead.
      onwarn(warning, warn) {
        if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(`unresolved import: ${warning.message}`);
        warn(warning);
      },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
