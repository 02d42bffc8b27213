import 'element-plus/theme-chalk/base.css'
import './styles.css'

import { createPinia } from 'pinia'
import { createApp } from 'vue'

import { api } from '@/api/client'
import App from '@/App.vue'
import { createAdminRouter } from '@/router'
import { useAuthStore } from '@/stores/auth'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
const router = createAdminRouter(useAuthStore(pinia))
app.use(router)

// A session that cannot be refreshed any more sends the user back to the login page, keeping the target.
api.setAuthLostHandler(() => {
  useAuthStore(pinia).forget()
  const current = router.currentRoute.value
  if (current.name !== 'login') router.replace({ name: 'login', query: { redirect: current.fullPath, expired: '1' } })
})

app.mount('#app')
// The benchmark and browser tests read this mark: the first screen has been rendered.
router.isReady().then(() => {
  window.requestAnimationFrame(() => {
    document.documentElement.dataset.rendered = '1'
    performance.mark('admin-first-render')
  })
})
