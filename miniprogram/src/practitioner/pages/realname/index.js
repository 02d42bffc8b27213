/**
 * Real-name authentication: register as a practitioner (name + ID number, the check digit verified on the
 * phone before anything is sent), then the review status of the identity and of each certificate, with a
 * photo of each certificate for the reviewers. Face and signature have their own pages.
 */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const idcard = require('../../../utils/idcard')
const pageState = require('../../../utils/page-state')
const media = require('../../utils/media')

const KINDS = [
  { value: 'engineer_1', name: '一级注册消防工程师' },
  { value: 'engineer_2', name: '二级注册消防工程师' },
  { value: 'operator', name: '消防设施操作员' },
]
const LEVELS = [
  { value: 5, name: '五级/初级工' },
  { value: 4, name: '四级/中级工' },
  { value: 3, name: '三级/高级工' },
  { value: 2, name: '二级/技师' },
  { value: 1, name: '一级/高级技师' },
]

function noteText(n) {
  if (typeof n === 'string') return n
  return n.message || [n.source, n.field, n.recorded].filter(Boolean).join(' ')
}

function profileView(p, photos) {
  return {
    name: p.name,
    idMasked: p.id_number_masked || '',
    verified: p.identity_status === 'verified',
    identityText: p.identity_status === 'verified' ? '已通过实名核验' : '未通过实名核验',
    registryText: p.registry_known === false ? '全国系统中未找到与姓名、身份证号一致的人员' : '',
    notes: (p.registry_notes || []).map(noteText).filter(Boolean),
    faceText: p.face_status_name || p.face_status || '未采集',
    faceFail: p.face_status === 'failed' ? (p.latest_enrolment && p.latest_enrolment.fail_message) || '' : '',
    altIdentity: p.alt_identity_approved_at ? '已批准替代身份核验：' + (p.alt_identity_method_name || '') : '',
    signatureText: p.signature_uploaded ? '已上传' : '未上传',
    employer: (p.employer && p.employer.name) || '',
    certificates: (p.certificates || []).map((c) => ({
      id: c.id,
      kindName: c.kind_name || c.kind,
      levelName: c.level_name || '',
      certNo: c.cert_no,
      registrationNo: c.registration_no || '',
      status: c.status,
      statusName: c.status_name || c.status,
      expiresOn: c.expires_on || '',
      notes: c.check_notes || [],
      photoUploaded: Boolean(c.photo_uploaded || photos[c.id]),
    })),
  }
}

Component({
  data: {
    state: 'loading',
    message: '',
    mode: 'profile', // register | profile
    name: '',
    idNumber: '',
    nameError: '',
    idError: '',
    profile: null,
    kinds: KINDS,
    kindIndex: 0,
    levels: LEVELS,
    levelIndex: 0,
    certNo: '',
    registrationNo: '',
    certError: '',
    certPhoto: '',
    busy: false,
  },
  methods: {
    onLoad() {
      this.photos = {}
    },
    onShow() {
      return this.load()
    },

    async load() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后进行实名认证' })
      if (!session.hasRole('practitioner')) return this.setData({ state: 'data', mode: 'register' })
      if (!this.data.profile) this.setData({ state: 'loading' })
      try {
        const p = await api.get('/practitioners/me', null, { silent: true })
        this.setData({ state: 'data', mode: 'profile', profile: profileView(p, this.photos || {}) })
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    onNameInput(e) {
      this.setData({ name: e.detail.value, nameError: '' })
    },
    onIdInput(e) {
      this.setData({ idNumber: e.detail.value, idError: '' })
    },

    async onRegister() {
      if (this.data.busy) return null
      const name = this.data.name.trim()
      const check = idcard.validate(this.data.idNumber)
      const nameError = name.length >= 2 ? '' : '请输入身份证上的姓名'
      this.setData({ nameError, idError: check.valid ? '' : check.reason })
      if (nameError || !check.valid) return null
      this.setData({ busy: true })
      try {
        await api.post('/practitioners', { name, id_number: check.id }, { loading: '正在核验' })
        // The role is granted now: the tokens issued before carry the old roles, so read /me again.
        session.updateUser(await api.get('/me', null, { silent: true }))
        wx.showToast({ title: '登记成功', icon: 'success' })
        return this.load()
      } catch (err) {
        if (err.status === 403) this.setData(pageState.fromError(err))
        return null
      } finally {
        this.setData({ busy: false })
      }
    },

    onKindPick(e) {
      this.setData({ kindIndex: Number(e.detail.value), certError: '' })
    },
    onLevelPick(e) {
      this.setData({ levelIndex: Number(e.detail.value) })
    },
    onCertNoInput(e) {
      this.setData({ certNo: e.detail.value, certError: '' })
    },
    onRegistrationNoInput(e) {
      this.setData({ registrationNo: e.detail.value })
    },

    async onPickCertPhoto() {
      try {
        const [path] = await media.choosePhotos(1, ['album', 'camera'])
        this.setData({ certPhoto: path })
      } catch (err) {
        if (!err.cancelled) wx.showToast({ title: err.message, icon: 'none' })
      }
    },

    async uploadCertPhoto(certId, path) {
      const cert = await api.upload({ path: '/practitioners/me/certificates/' + certId + '/photo', filePath: path, name: 'photo', loading: '上传照片' })
      this.photos[certId] = true
      return cert
    },

    async onAddCertificate() {
      if (this.data.busy) return null
      const kind = KINDS[this.data.kindIndex].value
      const certNo = this.data.certNo.trim()
      if (certNo.length < 4) return this.setData({ certError: '请输入证书编号（资格证书管理号）' })
      const body = { kind, cert_no: certNo }
      if (kind === 'operator') body.level = LEVELS[this.data.levelIndex].value
      else if (this.data.registrationNo.trim()) body.registration_no = this.data.registrationNo.trim()
      this.setData({ busy: true })
      try {
        const cert = await api.post('/practitioners/me/certificates', body, { loading: '正在核验证书' })
        if (this.data.certPhoto) await this.uploadCertPhoto(cert.id, this.data.certPhoto)
        this.setData({ certNo: '', registrationNo: '', certPhoto: '' })
        wx.showToast({ title: cert.status === 'valid' ? '证书核验有效' : '证书已登记：' + (cert.status_name || cert.status), icon: 'none' })
        return this.load()
      } catch (err) {
        return null
      } finally {
        this.setData({ busy: false })
      }
    },

    async onCertPhoto(e) {
      const certId = Number(e.currentTarget.dataset.id)
      try {
        const [path] = await media.choosePhotos(1, ['album', 'camera'])
        await this.uploadCertPhoto(certId, path)
        wx.showToast({ title: '证书照片已上传', icon: 'success' })
        return this.load()
      } catch (err) {
        if (err.cancelled) return null
        if (!(err instanceof api.ApiError)) wx.showToast({ title: err.message, icon: 'none' })
        return null
      }
    },

    onOpen(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    onRetry() {
      return this.load()
    },
  },
})
