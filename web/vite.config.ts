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

// Code the viewer never runs but would parse on every cold open (about 1.2 s of CPU goes to
// parsing the scripts on these 2 cores, docs/PERFORMANCE.md "Cold"): vtk.js's WebGPU rendering
// (Cornerstone renders with WebGL and never asks for a WebGPU window), and the surface-mesh
// readers that Cornerstone's cache imports, with the XML and YAML libraries behind them (the
// viewer loads no meshes). Matched on the resolved file, since vtk.js imports them by relative
// paths.
const UNUSED: [RegExp, string][] = [
  [/\/@kitware\/vtk\.js\/Rendering\/WebGPU\/Profiles\/[^/]+\.js$/, 'export {};'],
  [
    /\/@kitware\/vtk\.js\/IO\/(Geometry\/PLYReader|Geometry\/STLReader|XML\/XMLPolyDataReader|Misc\/OBJReader)\.js$/,
    "export default { newInstance() { throw new Error('the viewer does not load surface meshes'); } };",
  ],
];
function leaveOutUnused({ checked = true } = {}): Plugin {
  const replaced = new Set<RegExp>();
  return {
    name: 'vireo-leave-out-unused',
    apply: 'build',
    load(id) {
      const found = UNUSED.find(([file]) => file.test(id));
      if (!found) return undefined;
      replaced.add(found[0]);
      return found[1];
    },
    // A package update that moves these files would silently bring the code back (checked on the
    // page's build; a worker may import none of them).
    buildEnd(error) {
      const missed = UNUSED.filter(([file]) => !replaced.has(file));
      if (checked && !error && missed.length)
        throw new Error(`nothing matched ${missed.map(([file]) => file).join(', ')}: update vite.config.ts`);
    },
  };
}

// Emscripten's glue in the codec packages requires fs and path on a branch that runs only under
// Node; resolving them to nothing keeps Vite from warning on every build about externalizing
// them for the browser.
const NODE_ONLY = '\0vireo-node-only';
function codecNodeBranch(): Plugin {
  return {
    name: 'vireo-codec-node-branch',
    enforce: 'pre',
    resolveId(source, importer) {
      const codec = importer?.includes('/node_modules/@cornerstonejs/codec-');
      return codec && (source === 'fs' || source === 'path') ? NODE_ONLY : undefined;
    },
    load(id) {
      return id === NODE_ONLY ? 'export default {};' : undefined;
    },
  };
}

// The DICOM image loader's index imports every decoder (with its WebAssembly glue and pako)
// for its default export; without a side-effect hint from the package they stay in the page's
// bundle although only the decode worker uses them.
const SIDE_EFFECT_FREE = /\/node_modules\/@cornerstonejs\/(dicom-image-loader|codec-[^/]+)\//;

// Served by `vireo serve` from web/dist at the site root (../shared/notes/web-stack.md has
// why each setting is here).
export default defineConfig({
  plugins: [react(), preloadViewer(), leaveOutUnused(), codecNodeBranch()],
  base: '/',
  worker: { format: 'es', plugins: () => [leaveOutUnused({ checked: false }), codecNodeBranch()] },
  optimizeDeps: { exclude: ['@cornerstonejs/dicom-image-loader'] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    sourcemap: false,
    rollupOptions: {
      // Rolldown's note that plugins took most of the build holds for every build here (Vite's
      // own plugins, on 2 cores) and would hide the warnings that matter.
      checks: { bundlerTimings: false },
      treeshake: { moduleSideEffects: (id: string) => !SIDE_EFFECT_FREE.test(id) },
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
