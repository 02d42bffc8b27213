import { createRouter, createWebHistory } from 'vue-router'

import { canSee, homePage, PAGES } from '@/pages'

export function buildRoutes(pages = PAGES) {
  return [
    { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
    {
      path: '/',
      component: () => import('@/layouts/AdminLayout.vue'),
      children: [
        { path: '', name: 'home', component: () => import('@/views/NoAccessView.vue') },
        ...pages.map((p) => ({ path: p.path, name: p.name, component: p.component, meta: { page: p, title: p.title } })),
        { path: ':rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue') },
      ],
    },
  ]
}

/** Where a navigation may go: login first, then only pages the user's role and jurisdiction allow. */
export async function guard(to, auth) {
  if (to.meta.public) return true
  const me = await auth.restore()
  if (!me) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  const page = to.meta.page
  if (to.name === 'home' || (page && !canSee(page, me))) {
    const home = homePage(me)
    // No page for this role: the home route explains that instead of looping.
    if (!home) return to.name === 'home' ? true : { name: 'home' }
    return to.name === home.name ? true : { name: home.name }
  }
  return true
}

export function createAdminRouter(auth, history = createWebHistory('/admin/'), routes = buildRoutes()) {
  const router = createRouter({ history, routes })
  router.beforeEach((to) => guard(to, auth))
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · 消防技术服务监督管理` : '消防技术服务执业活动监督管理'
  })
  return router
}
