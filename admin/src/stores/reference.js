import { defineStore } from 'pinia'

import { api } from '@/api/client'

// Permission flags a corps admin grants (backend/core/access.py PERMISSIONS); the API validates the codes.
export const PERMISSIONS = [
  { code: 'read_personal_data', label: '查看未脱敏的身份证号和手机号' },
  { code: 'issue_penalties', label: '录入行政处罚' },
  { code: 'manage_rules', label: '修改预警规则阈值' },
  { code: 'export_data', label: '导出数据' },
]

export const permissionLabel = (code) => PERMISSIONS.find((p) => p.code === code)?.label || code

/** Reference lists that rarely change, loaded once per session. */
export const useReferenceStore = defineStore('reference', {
  state: () => ({ jurisdictions: [], loaded: false, systems: {}, catalogueLoading: null }),
  getters: {
    jurisdictionName: (state) => (code) => state.jurisdictions.find((j) => j.code === code)?.name || code || '—',
    districts: (state) => state.jurisdictions.filter((j) => j.kind === 'district'),
    systemName: (state) => (code) => state.systems[code] || code,
  },
  actions: {
    async load() {
      if (this.loaded) return
      this.jurisdictions = await api.get('/jurisdictions', null, { auth: false })
      this.loaded = true
    },
    /** Names of the facility systems (GB 25201 catalogue) that projects list by code. */
    loadCatalogue() {
      this.catalogueLoading ||= api
        .get('/catalogue')
        .then((c) => {
          this.systems = Object.fromEntries(c.systems.map((s) => [s.code, s.name]))
        })
        .catch(() => {
          this.catalogueLoading = null
        })
      return this.catalogueLoading
    },
  },
})
