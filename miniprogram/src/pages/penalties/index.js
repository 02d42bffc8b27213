/** Administrative penalties made public (no login): decision number, basis, facts, fine and the organisation. */
const { listMethods } = require('../../utils/paged')

function row(p) {
  return {
    id: p.id,
    no: p.decision_no,
    article: p.article || '',
    facts: p.facts || '',
    amount: p.amount_yuan ? '罚款 ' + p.amount_yuan + ' 元' : '',
    date: p.decided_on || '',
    orgId: p.org && p.org.id,
    org: (p.org && p.org.name) || '',
    who: (p.practitioner && p.practitioner.name_masked) || '',
  }
}

Component({
  data: { state: 'loading', message: '', items: [], done: false },
  methods: Object.assign(
    listMethods({
      onLoad(query) {
        this.orgId = Number(query.org_id || 0) || undefined
      },
      path: () => '/public/penalties',
      query() {
        return { org_id: this.orgId }
      },
      row,
      request: { auth: false },
    }),
    {
      onOpenOrg(e) {
        if (e.currentTarget.dataset.id) wx.navigateTo({ url: '/pages/org-detail/index?id=' + e.currentTarget.dataset.id })
      },
    },
  ),
})
