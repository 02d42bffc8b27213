import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { defineConfig } from 'vite'

// The SPA is served by Flask under /admin/ (backend/modules/webui); in development Vite proxies the API.
const backend = process.env.BACKEND_URL || 'http://127.0.0.1:5000'

export default defineConfig({
  base: '/admin/',
  plugins: [
    vue(),
    // Element Plus components and their CSS are imported per use: the login page does not carry the table code.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
  ],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
      // The district outlines are the backend's own file: one copy, bundled as a hashed asset.
      '@geo': fileURLToPath(new URL('../backend/data/geo', import.meta.url)),
    },
  },
  server: {
    fs: { allow: ['..'] },
    proxy: { '/api': backend, '/public': backend, '/verify': backend },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    environment: 'happy-dom',
    testTimeout: 20000,
    include: ['tests/**/*.test.js'],
    server: { deps: { inline: ['element-plus'] } },
  },
})
