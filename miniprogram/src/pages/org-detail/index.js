/**
 * Public detail of an organisation (no login): registration status, score and grade from the public ranking,
 * public administrative penalties, practitioners with masked names and certificate types, projects in publicity.
 */
const api = require('../../utils/api')
const pageState = require('../../utils/page-state')
const { scoresFor } = require('./ranking')

const NO_AUTH = { auth: false, silent: true }

function penaltyRow(p) {
  return {
    id: p.id,
    no: p.decision_no,
    article: p.article || '',
    facts: p.facts || '',
    amount: p.amount_yuan ? '罚款 ' + p.amount_yuan + ' 元' : '',
    date: p.decided_on || '',
    who: p.practitioner ? p.practitioner.name_masked || '' : '',
  }
}

Component({
  data: { state: 'loading', message: '', org: null, score: null, penalties: [], practitioners: [], projects: [] },
  methods: {
    onLoad(query) {
      this.orgId = Number((query && query.id) || 0) || null
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    onRetry() {
      return this.load()
    },

    async load() {
      if (!this.orgId) return this.setData({ state: 'empty' })
      this.setData({ state: this.data.org ? 'data' : 'loading' })
      try {
        const [o, scores, penalties, practitioners, projects] = await Promise.all([
          api.get('/public/orgs/' + this.orgId, null, NO_AUTH),
          scoresFor([this.orgId]),
          api.get('/public/penalties', { org_id: this.orgId, limit: 20 }, NO_AUTH),
          api.get('/public/practitioners', { org_id: this.orgId, limit: 50 }, NO_AUTH),
          api.get('/public/projects', { org_id: this.orgId, limit: 20 }, NO_AUTH),
        ])
        this.setData({
          state: 'data',
          org: {
            name: o.name,
            creditCode: o.credit_code,
            types: o.type_names || o.types || [],
            statusName: o.status_name || o.status,
            verified: o.status === 'verified',
            district: o.district_name || '',
          },
          score: scores[this.orgId] || null,
          penalties: (penalties.items || []).map(penaltyRow),
          practitioners: (practitioners.items || []).map((p) => ({ id: p.id, name: p.name_masked, certs: (p.certificate_names || p.certificate_kinds || []).join('、') })),
          projects: (projects.items || []).map((p) => ({ id: p.id, name: p.name, sub: (p.service_type_name || '') + ' · ' + (p.building_name || '') + ' · ' + (p.district_name || ''), period: (p.contract_start || '') + ' 至 ' + (p.contract_end || '') })),
        })
      } catch (err) {
        if (err.status === 404) return this.setData({ state: 'empty', message: '' })
        this.setData(pageState.fromError(err))
      }
    },
  },
})
