import { defineStore } from 'pinia'

import { api as defaultApi } from '@/api/client'
import { hasPermission, rolesOf } from '@/pages'

const ROLE_NAMES = {
  corps_admin: '总队管理员',
  supervisor: '监督管理人员',
  org_admin: '机构管理人员',
  legal_rep: '法定代表人',
  practitioner: '从业人员',
}

/** The logged-in user: tokens are kept by the API client, the profile (/me) here. */
export const useAuthStore = defineStore('auth', {
  state: () => ({ me: null, loading: false }),
  getters: {
    loggedIn: (state) => state.me !== null,
    roles: (state) => rolesOf(state.me),
    roleNames: (state) => [...rolesOf(state.me)].map((r) => ROLE_NAMES[r] || r),
    jurisdiction: (state) => state.me?.jurisdiction || null,
    canExport: (state) => hasPermission(state.me, 'export_data'),
  },
  actions: {
    client() {
      return this.$api || defaultApi
    },
    hasTokens() {
      return Boolean(this.client().tokens.access || this.client().tokens.refresh)
    },
    async requestCode(phone) {
      return this.client().post('/auth/sms-codes', { phone, purpose: 'login' }, { auth: false })
    },
    async login(phone, code) {
      this.loading = true
      try {
        const pair = await this.client().post('/auth/sms-login', { phone, code }, { auth: false })
        this.client().tokens.save(pair)
        await this.loadMe()
      } finally {
        this.loading = false
      }
    },
    async loadMe() {
      this.me = await this.client().get('/me')
      return this.me
    },
    /** On start: a stored session is resumed (refreshing the access token if it expired). */
    async restore() {
      if (this.me || !this.hasTokens()) return this.me
      try {
        return await this.loadMe()
      } catch {
        this.forget()
        return null
      }
    },
    async logout() {
      try {
        if (this.client().tokens.access) await this.client().post('/auth/logout')
      } catch {
        // The session is dropped locally whatever the server says: the user asked to leave.
      }
      this.forget()
    },
    forget() {
      this.client().tokens.clear()
      this.me = null
    },
  },
})
