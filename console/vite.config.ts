import { defineConfig } from 'vite';

// Served by the gateway under /console/ (same origin as /graphql). No React plugin: Vite's own
// transformer compiles JSX; fast refresh is not worth a Babel pass in every build.
export default defineConfig(({ command }) => ({
  root: import.meta.dirname,
  base: '/console/',
  logLevel: 'warn',
  // A build is for production even when started from a test runner (NODE_ENV=test): React's lean build.
  ...(command === 'build' ? { mode: 'production', define: { 'process.env.NODE_ENV': '"production"' } } : {}),
  oxc: { jsx: { runtime: 'automatic', development: command !== 'build' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    rollupOptions: {
      // react-router marks its modules "use client" (for server components); meaningless in a plain SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  // `vite` (dev server) proxies the API to a running hub.
  server: { proxy: { '/graphql': 'http://127.0.0.1:4000', '/console/dev-token': 'http://127.0.0.1:4000' } },
}));
