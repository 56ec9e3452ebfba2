import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built into dist/dashboard, which the main listener serves at `/`.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: { outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)), emptyOutDir: true, sourcemap: false },
  logLevel: 'warn',
});
