/** Checks worth doing before a round trip; the server checks everything again. */
const PHONE = /^1[3-9]\d{9}$/
const SMS_CODE = /^\d{6}$/

function phone(value) {
  const v = String(value || '').replace(/\s+/g, '')
  if (!v) return { valid: false, value: v, reason: '请输入手机号' }
  if (!PHONE.test(v)) return { valid: false, value: v, reason: '手机号码格式不正确' }
  return { valid: true, value: v }
}

function smsCode(value) {
  const v = String(value || '').replace(/\s+/g, '')
  if (!v) return { valid: false, value: v, reason: '请输入验证码' }
  if (!SMS_CODE.test(v)) return { valid: false, value: v, reason: '验证码为6位数字' }
  return { valid: true, value: v }
}

module.exports = { phone, smsCode }
