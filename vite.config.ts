import { readFileSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }

// One config. `vite build` bundles the chat component (widget/chat/porch-chat.ts, an ES module);
// `vite build --mode embed` bundles the tiny loader (widget/chat/embed.ts) as a classic script (it reads document.currentScript, which module
// scripts lack). Both go to dist/widget, which the host serves. Never bundle host/: it uses a
// native addon. vitest runs every *.test.ts next to the code it tests.
// `vite build --mode examples` bundles the React example app for the examples server.
// `vite build --mode console` bundles the owner console (widget/console/porch-console.ts) into dist/console, apart
// from the visitor widget, so visitors never download a byte of it.
const consoleApp = {
  outDir: 'dist/console',
  emptyOutDir: true,
  lib: { entry: 'widget/console/porch-console.ts', formats: ['es' as const], fileName: () => 'console.js' },
}
const examples = {
  outDir: 'dist/examples',
  emptyOutDir: true,
  lib: { entry: 'examples/react/app.ts', formats: ['es' as const], fileName: () => 'react-app.js' },
}

export default defineConfig(({ mode }) => ({
  define: { __PORCH_VERSION__: JSON.stringify(version), 'process.env.NODE_ENV': JSON.stringify('production') },
  build:
    mode === 'examples' || mode === 'console'
      ? { ...(mode === 'console' ? consoleApp : examples), target: 'es2021', minify: true }
      : {
          outDir: 'dist/widget',
          emptyOutDir: mode !== 'embed',
          target: 'es2021',
          minify: true,
          // Released widget files are frozen byte for byte (widget/releases), so the build must not
          // depend on where it runs: rolldown's `// <module path>` comments name node_modules by its
          // real path, which differs in a checkout whose node_modules is a symlink.
          rolldownOptions: { experimental: { attachDebugInfo: 'none' as const } },
          lib:
            mode === 'embed'
              ? { entry: 'widget/chat/embed.ts', formats: ['iife'], name: 'PorchEmbed', fileName: () => 'embed.js' }
              : { entry: 'widget/chat/porch-chat.ts', formats: ['es'], fileName: () => 'porch-chat.js' },
        },
  test: {
    include: ['host/**/*.test.ts', 'shared/**/*.test.ts', 'widget/**/*.test.ts', 'bench/**/*.test.ts', 'examples/**/*.test.ts'],
    environment: 'node',
    // PostgreSQL starts first, in the background, while the widget builds.
    globalSetup: ['host/testing/postgres-server.ts', 'widget/testing/build-once.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
}))
