import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'

import { ICONS } from '@/icons'
import { canSee, hasPermission, homePage, menuFor, PAGES } from '@/pages'
import { buildRoutes, createAdminRouter, guard } from '@/router'

import { ME_CORPS, ME_EXPORTER, ME_HUANGPU, ME_ORG_ADMIN } from './helpers'

const names = (menu) => menu.flatMap((g) => g.pages.map((p) => p.name))

describe('menu by role', () => {
  it('has an icon for every page', () => {
    expect(PAGES.filter((p) => !ICONS[p.icon]).map((p) => p.name)).toEqual([])
  })

  it('offers the corps admin the dashboard and every corps page', () => {
    const menu = menuFor(ME_CORPS)
    expect(menu.map((g) => g.title)).toContain('总队管理')
    expect(names(menu)).toEqual(expect.arrayContaining(['dashboard', 'supervisors', 'audit-logs', 'outbox', 'jobs']))
  })

  it('offers supervisors the review, project and supervision pages', () => {
    for (const me of [ME_HUANGPU, ME_CORPS]) {
      const menu = menuFor(me)
      expect(menu.map((g) => g.title)).toEqual(expect.arrayContaining(['实名认证', '移动执业', '监督检查']))
      expect(names(menu)).toEqual(
        expect.arrayContaining(['review-queue', 'organizations', 'practitioners', 'projects', 'visits', 'spot-checks', 'penalties']),
      )
    }
  })

  it('keeps the corps pages from a district supervisor', () => {
    const seen = names(menuFor(ME_HUANGPU))
    expect(seen).toContain('dashboard')
    for (const corpsOnly of ['supervisors', 'audit-logs', 'outbox', 'jobs']) expect(seen).not.toContain(corpsOnly)
    expect(menuFor(ME_HUANGPU).map((g) => g.key)).not.toContain('corps')
  })

  it('offers nothing to an org admin or an anonymous visitor', () => {
    expect(menuFor(ME_ORG_ADMIN)).toEqual([])
    expect(menuFor(null)).toEqual([])
    expect(homePage(ME_ORG_ADMIN)).toBeNull()
  })

  it('every page declares who may see it, and at least one supervisory role sees each', () => {
    for (const page of PAGES) {
      expect(page.roles.length, page.name).toBeGreaterThan(0)
      expect(canSee(page, ME_CORPS) || canSee(page, ME_HUANGPU), page.name).toBe(true)
    }
  })

  it('checks permission flags: corps admins hold all, supervisors what was granted', () => {
    expect(hasPermission(ME_CORPS, 'export_data')).toBe(true)
    expect(hasPermission(ME_HUANGPU, 'export_data')).toBe(false)
    expect(hasPermission(ME_EXPORTER, 'export_data')).toBe(true)
    const gated = { name: 'x', roles: ['supervisor', 'corps_admin'], permission: 'issue_penalties' }
    expect(canSee(gated, ME_HUANGPU)).toBe(true)
    expect(canSee(gated, ME_EXPORTER)).toBe(false)
  })
})

describe('navigation guard', () => {
  const auth = (me) => ({ restore: vi.fn(async () => me) })
  const route = (name, path = '/x') => ({
    name,
    fullPath: path,
    meta: { page: PAGES.find((p) => p.name === name) },
  })

  it('sends a visitor without a session to the login page, keeping the target', async () => {
    expect(await guard(route('jobs', '/corps/jobs'), auth(null))).toEqual({
      name: 'login',
      query: { redirect: '/corps/jobs' },
    })
  })

  it('turns a district supervisor away from a corps page to its home page', async () => {
    expect(await guard(route('supervisors', '/corps/supervisors'), auth(ME_HUANGPU))).toEqual({ name: 'dashboard' })
  })

  it('lets the corps admin through', async () => {
    expect(await guard(route('supervisors'), auth(ME_CORPS))).toBe(true)
  })

  it('leaves a user without pages on the explanation page instead of looping', async () => {
    expect(await guard({ name: 'home', fullPath: '/', meta: {} }, auth(ME_ORG_ADMIN))).toBe(true)
    expect(await guard(route('dashboard'), auth(ME_ORG_ADMIN))).toEqual({ name: 'home' })
  })

  it('resolves real URLs through the router', async () => {
    setActivePinia(createPinia())
    // The real route table with blank components: this checks URLs and the guard, not the pages.
    const blank = { template: '<router-view />' }
    const stub = (routes) => routes.map((r) => ({ ...r, component: blank, children: r.children && stub(r.children) }))
    const router = createAdminRouter(auth(ME_HUANGPU), createMemoryHistory('/admin/'), stub(buildRoutes()))
    await router.push('/corps/outbox')
    expect(router.currentRoute.value.name).toBe('dashboard')
    await router.push('/no/such/page')
    expect(router.currentRoute.value.name).toBe('not-found')
  })
})

beforeEach(() => setActivePinia(createPinia()))
