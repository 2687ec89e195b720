/// <reference types="vitest/config" />
import { type Plugin, defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The viewer's code (its chunk and what it imports, ≈3 MB) is fetched and compiled from the
// moment the page's HTML is read, on every page: opening /viewer/{study} directly no longer
// waits for the application's own code to run first, and the sign-in page and the worklist
// need the viewer next anyway.
function preloadViewer(): Plugin {
  return {
    name: 'vireo-preload-viewer',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunks = new Map(Object.values(ctx.bundle ?? {}).flatMap((c) => (c.type === 'chunk' ? [[c.fileName, c]] : [])));
        const viewer = [...chunks.values()].find((c) => c.facadeModuleId?.endsWith('/src/viewer/ViewerPage.tsx'));
        if (!viewer) throw new Error('the viewer chunk is missing from the build');
        // The chunk and everything it imports, less what the page loads anyway (its entry).
        const files = new Set<string>();
        const add = (file: string) => {
          const chunk = chunks.get(file);
          if (files.has(file) || !chunk || chunk.isEntry) return;
          files.add(file);
          chunk.imports.forEach(add);
        };
        add(viewer.fileName);
        const entryImports = new Set([...chunks.values()].filter((c) => c.isEntry).flatMap((c) => c.imports));
        return [...files].filter((f) => !entryImports.has(f)).map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `/${file}` },
          injectTo: 'head' as const,
        }));
      },
    },
  };
}

// Served by `vireo serve` from web/dist at the site root (../shared/notes/web-stack.md has
// why each setting is here).
export default defineConfig({
  plugins: [react(), preloadViewer()],
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
