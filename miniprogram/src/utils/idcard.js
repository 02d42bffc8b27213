/**
 * 居民身份证号码 checks before anything is sent (GB 11643-1999 公民身份号码): 6-digit address code, 8-digit birth
 * date, 3-digit sequence (odd for men), and an ISO 7064 MOD 11-2 check character. The server checks again;
 * this only spares the user a round trip for a typo, with the server's own wording
 * (backend/core/validators.py id_number_error).
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK_CHARS = '10X98765432'
// First two digits of the address code (GB/T 2260 provinces; 71 台湾, 81 香港, 82 澳门, 83 港澳台居民居住证).
const PROVINCES = [
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
  61, 62, 63, 64, 65, 71, 81, 82, 83,
]

function normalise(value) {
  return String(value || '')
    .replace(/\s+/g, '')
    .toUpperCase()
}

function checkChar(first17) {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]
  return CHECK_CHARS[sum % 11]
}

function birthDate(id) {
  const y = Number(id.slice(6, 10))
  const m = Number(id.slice(10, 12))
  const d = Number(id.slice(12, 14))
  const date = new Date(Date.UTC(y, m - 1, d))
  const real = date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
  return real ? id.slice(6, 10) + '-' + id.slice(10, 12) + '-' + id.slice(12, 14) : null
}

/**
 * validate('31010419900307001X') → {valid: true, id, birthDate: '1990-03-07', gender: 'male'|'female'}
 * or {valid: false, id, reason: '<Chinese text for the user>'}.
 */
function validate(value, today) {
  const id = normalise(value)
  const fail = (reason) => ({ valid: false, id, reason })
  if (!id) return fail('请输入身份证号码')
  if (id.length !== 18) return fail('身份证号码应为18位')
  if (!/^\d{17}[\dX]$/.test(id)) return fail('身份证号码前17位应为数字，最后一位为数字或X')
  if (PROVINCES.indexOf(Number(id.slice(0, 2))) < 0) return fail('身份证号码前6位（地址码）无效')
  const birth = birthDate(id)
  const now = today || new Date()
  const todayText = now.getFullYear() + '-' + String(now.getMonth() + 1).padStart(2, '0') + '-' + String(now.getDate()).padStart(2, '0')
  if (!birth) return fail('身份证号码中的出生日期无效')
  if (birth < '1900-01-01') return fail('身份证号码中的出生日期过早')
  if (birth > todayText) return fail('身份证号码中的出生日期晚于今天')
  if (checkChar(id.slice(0, 17)) !== id[17]) return fail('身份证号码校验位错误，请核对后重新输入')
  return { valid: true, id, birthDate: birth, gender: Number(id[16]) % 2 === 1 ? 'male' : 'female' }
}

function isValid(value) {
  return validate(value).valid
}

/** Shown in lists: 310104********001X (the server masks the same way). */
function mask(value) {
  const id = normalise(value)
  return id.length === 18 ? id.slice(0, 6) + '********' + id.slice(14) : id
}

module.exports = { validate, isValid, checkChar, mask, normalise }
