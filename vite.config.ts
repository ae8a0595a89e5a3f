import { defineConfig } from 'vitest/config'

// One config: `vite build` bundles the visitor widget (browser code only: never host/, which
// uses a native addon), and vitest runs every *.test.ts next to the code it tests.
export default defineConfig({
  build: {
    outDir: 'dist/widget',
    emptyOutDir: true,
    target: 'es2022',
    lib: {
      entry: 'widget/index.ts',
      formats: ['es'],
      fileName: 'porch-widget',
    },
  },
  test: {
    include: ['host/**/*.test.ts', 'shared/**/*.test.ts', 'widget/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
