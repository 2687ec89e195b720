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
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
