/**
 * Face enrolment. The separate consent (PIPL 第二十九条) comes first and the camera opens only after it is
 * accepted. Then the live camera with a liveness prompt: three frames (face the lens, blink, turn and come
 * back). The backend enrols one frontal photo (POST /practitioners/me/face, processed in the background), so
 * the first frame is enrolled and the last one is compared with it afterwards (POST /me/face/verify): a
 * different face at the end of the sequence means the capture is not accepted here.
 */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const pageState = require('../../../utils/page-state')
const media = require('../../utils/media')

const PROMPTS = ['请正对镜头，保持不动', '请眨眨眼', '请缓慢向左转头，再转回正面']
const POLL_MS = 1500
const POLL_TIMES = 40

function cameraShot(ctx) {
  return new Promise((resolve, reject) => {
    ctx.takePhoto({
      quality: 'high',
      success: (res) => resolve(res.tempImagePath),
      fail: () => reject(new Error('拍摄失败，请重试')),
    })
  })
}

function statusView(face) {
  const latest = face.latest || null
  return {
    faceStatus: face.face_status,
    faceStatusName: face.face_status_name || face.face_status,
    failMessage: face.face_status === 'failed' && latest ? latest.fail_message || latest.fail_reason || '' : '',
  }
}

Component({
  data: {
    state: 'loading',
    message: '',
    consentText: '',
    consentVersion: '',
    consentInForce: false,
    agreed: false,
    status: null,
    step: 'status', // consent | status | camera | processing | result
    prompt: '',
    capturing: false,
    result: null,
  },
  methods: {
    onLoad() {
      this.promptMs = 1200
      this.pollMs = POLL_MS
    },
    onShow() {
      if (this.data.step === 'camera' || this.data.step === 'processing') return null
      return this.load()
    },
    onUnload() {
      this.unloaded = true
    },

    async load() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后采集人脸' })
      if (!session.hasRole('practitioner')) {
        return this.setData({ state: 'refused', message: '请先完成实名认证，登记为从业人员后再采集人脸' })
      }
      if (!this.data.status) this.setData({ state: 'loading' })
      try {
        const [consent, face] = await Promise.all([
          api.get('/practitioners/me/biometric-consent', null, { silent: true }),
          api.get('/practitioners/me/face', null, { silent: true }),
        ])
        this.setData({
          state: 'data',
          consentText: consent.text,
          consentVersion: consent.current_version,
          consentInForce: Boolean(consent.in_force && consent.version === consent.current_version),
          status: statusView(face),
          step: consent.in_force && consent.version === consent.current_version ? 'status' : 'consent',
          agreed: false,
        })
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    onAgreeChange(e) {
      this.setData({ agreed: (e.detail.value || []).indexOf('agree') >= 0 })
    },

    async onConsent() {
      if (!this.data.agreed) {
        wx.showToast({ title: '请先阅读并勾选同意', icon: 'none' })
        return null
      }
      try {
        await api.post('/practitioners/me/biometric-consent', { version: this.data.consentVersion }, { loading: true })
        this.setData({ consentInForce: true })
        return this.onStart()
      } catch (err) {
        return null
      }
    },

    onStart() {
      if (!this.data.consentInForce) return this.setData({ step: 'consent' })
      this.setData({ step: 'camera', prompt: '请将面部置于取景框内，光线充足，摘下帽子和口罩', result: null })
      return null
    },

    onCameraError() {
      this.setData({ step: 'status' })
      wx.showModal({ title: '无法使用相机', content: '需要相机权限才能采集人脸，请在设置中允许使用摄像头', showCancel: false })
    },

    async onCapture() {
      if (this.data.capturing) return null
      this.setData({ capturing: true })
      const frames = []
      try {
        const ctx = wx.createCameraContext()
        for (const prompt of PROMPTS) {
          this.setData({ prompt })
          await media.wait(this.promptMs)
          frames.push(await cameraShot(ctx))
        }
      } catch (err) {
        this.setData({ capturing: false, prompt: err.message })
        return null
      }
      this.setData({ capturing: false, step: 'processing', prompt: '正在上传并处理照片…' })
      return this.enrol(frames)
    },

    async enrol(frames) {
      let enrolment
      try {
        enrolment = await api.upload({ path: '/practitioners/me/face', filePath: frames[0], name: 'photo', silent: true })
      } catch (err) {
        return this.finish({ ok: false, title: '照片未被接受', reason: err.message })
      }
      let latest = enrolment
      for (let i = 0; i < POLL_TIMES && latest.status === 'pending' && !this.unloaded; i++) {
        await media.wait(this.pollMs)
        try {
          const face = await api.get('/practitioners/me/face', null, { silent: true })
          if (face.latest && face.latest.id === enrolment.id) latest = face.latest
        } catch (err) {
          // a dropped poll: ask again
        }
      }
      if (latest.status === 'pending') {
        return this.finish({ ok: false, title: '照片仍在处理中', reason: '请稍后回到本页查看采集结果' })
      }
      if (latest.status !== 'enrolled') {
        return this.finish({ ok: false, title: '人脸采集失败', reason: latest.fail_message || latest.fail_reason || '照片无法使用，请重新拍摄' })
      }
      try {
        const check = await api.upload({ path: '/practitioners/me/face/verify', filePath: frames[frames.length - 1], name: 'photo', silent: true })
        if (!check.passed) {
          return this.finish({ ok: false, title: '采集未完成', reason: '采集过程中镜头前的人脸不一致，请本人重新采集' })
        }
      } catch (err) {
        return this.finish({ ok: false, title: '采集未完成', reason: err.message })
      }
      return this.finish({ ok: true, title: '人脸采集成功', reason: '' })
    },

    async finish(result) {
      this.setData({ step: 'result', result })
      try {
        const face = await api.get('/practitioners/me/face', null, { silent: true })
        this.setData({ status: statusView(face) })
      } catch (err) {
        // the result above stands; the status refreshes on the next visit
      }
      return result
    },

    onWithdraw() {
      wx.showModal({
        title: '撤回同意',
        content: '撤回后人脸特征值立即删除，签到和签署文件将无法使用人脸核验。确定撤回？',
        success: async (res) => {
          if (!res.confirm) return
          try {
            await api.del('/practitioners/me/biometric-consent', { loading: true })
            await this.load()
          } catch (err) {
            // shown by api
          }
        },
      })
    },

    onRetry() {
      return this.load()
    },
  },
})
