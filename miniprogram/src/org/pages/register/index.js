/**
 * Register an organisation not yet in the system: the person registering becomes its legal representative and
 * administrator (the draft is then completed with evidence and submitted for review on the 本机构 page).
 */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const idcard = require('../../../utils/idcard')

const TYPES = [
  { value: 'maintenance_testing', name: '维护保养检测机构', checked: true },
  { value: 'assessment', name: '消防安全评估机构', checked: false },
]
// GB 32100: 18 characters, digits and capitals without I, O, S, V, Z.
const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/

Component({
  data: {
    state: 'data',
    message: '',
    types: TYPES,
    form: { name: '', creditCode: '', legalRepName: '', legalRepId: '', address: '', area: '' },
    errors: {},
    submitting: false,
  },
  methods: {
    onShow() {
      if (!session.isLoggedIn()) this.setData({ state: 'login', message: '登录后登记机构' })
      else this.setData({ state: 'data' })
    },
    onInput(e) {
      this.setData({ ['form.' + e.currentTarget.dataset.field]: e.detail.value })
    },
    onTypesChange(e) {
      const chosen = e.detail.value || []
      this.setData({ types: this.data.types.map((t) => Object.assign({}, t, { checked: chosen.indexOf(t.value) >= 0 })) })
    },
    validate() {
      const f = this.data.form
      const errors = {}
      if (!f.name.trim()) errors.name = '请填写单位名称（与营业执照一致）'
      if (!CREDIT_CODE.test(f.creditCode.trim().toUpperCase())) errors.creditCode = '统一社会信用代码应为18位数字或大写字母'
      if (!f.legalRepName.trim()) errors.legalRepName = '请填写法定代表人姓名'
      const id = idcard.validate(f.legalRepId)
      if (!id.valid) errors.legalRepId = id.reason
      if (!f.address.trim()) errors.address = '请填写注册地址'
      if (f.area && !(Number(f.area) > 0)) errors.area = '面积应为正数'
      if (!this.data.types.some((t) => t.checked)) errors.types = '请选择机构类型'
      this.setData({ errors })
      return Object.keys(errors).length === 0
    },
    async onSubmit() {
      if (this.data.submitting || !this.validate()) return
      const f = this.data.form
      this.setData({ submitting: true })
      try {
        const org = await api.post(
          '/orgs',
          {
            name: f.name.trim(),
            credit_code: f.creditCode.trim().toUpperCase(),
            types: this.data.types.filter((t) => t.checked).map((t) => t.value),
            legal_rep_name: f.legalRepName.trim(),
            legal_rep_id_number: idcard.normalise(f.legalRepId),
            address: f.address.trim(),
            workplace_area_m2: f.area ? Number(f.area) : undefined,
          },
          { loading: '正在登记' },
        )
        // The registrant now holds the legal-representative role of the new organisation: act in it.
        const me = await api.get('/me', null, { loading: false })
        session.updateUser(me)
        const role = session.roles().filter((r) => r.role === 'legal_rep' && r.org_id === org.id)[0]
        if (role) session.setActiveRole(role.key)
        wx.showToast({ title: '已登记，请上传证明材料', icon: 'none' })
        wx.redirectTo({ url: '/org/pages/index/index' })
      } catch (err) {
        /* shown by api.request */
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})
