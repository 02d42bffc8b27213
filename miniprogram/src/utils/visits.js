/**
 * On-site acts as queue entries, and their answers explained to the practitioner: the face check, the
 * distance to the project's geofence, and every reason when the server refused.
 */
const { newIdempotencyKey } = require('./ids')

const DEVICE_KEY = 'device.id'

/**
 * A stable identifier of this installation (WeChat exposes no hardware id). The server flags one device used
 * by two people within minutes; WeChat keeps storage per WeChat account, so this is per account and phone.
 */
function deviceId() {
  let id = wx.getStorageSync(DEVICE_KEY)
  if (!id) {
    id = 'mp-' + newIdempotencyKey()
    wx.setStorageSync(DEVICE_KEY, id)
  }
  return id
}

function checkInSpec(project, photoPath, location) {
  return {
    kind: 'check_in',
    label: '签到：' + project.name,
    path: '/projects/' + project.id + '/check-ins',
    filePath: photoPath,
    fileField: 'photo',
    fields: { device_id: deviceId() },
    location,
  }
}

/** `visit` is a visit id the server gave, or {key} of a check-in still in the queue. */
function visitRef(visit) {
  return typeof visit === 'object' && visit && visit.key ? { refs: { visit_id: { key: visit.key, path: 'id' } } } : { visitId: visit }
}

function visitPath(visit, tail) {
  const ref = visitRef(visit)
  return { path: '/visits/' + (ref.refs ? '{visit_id}' : ref.visitId) + tail, refs: ref.refs || null }
}

function checkOutSpec(project, visit, location) {
  const p = visitPath(visit, '/check-out')
  // Check-out is idempotent by visit (a repeat returns the first answer): the body has no key field.
  return { kind: 'check_out', label: '签退：' + project.name, path: p.path, refs: p.refs, location, omit: ['idempotency_key'] }
}

function recordSpec(project, visit, record, label) {
  const p = visitPath(visit, '/records')
  const fields = { result: record.result }
  if (record.plan_item_id) fields.plan_item_id = record.plan_item_id
  if (record.system_code) fields.system_code = record.system_code
  if (record.plan_month) fields.plan_month = record.plan_month
  if (record.note) fields.note = record.note
  if (record.defect) fields.defect = record.defect
  return { kind: 'work_record', label: '作业记录：' + (label || project.name), path: p.path, refs: p.refs, fields, omit: ['location'] }
}

function messages(findings) {
  return (findings || []).map((f) => (typeof f === 'string' ? f : f.message || f.code)).filter(Boolean)
}

function faceText(visit, reasons) {
  if (visit && visit.identity_method === 'alternative') return { band: 'alternative', text: '经批准的替代身份核验（未使用人脸识别）' }
  const faceReason = reasons.find((r) => /^face_/.test(r.code || ''))
  if (faceReason) {
    const d = typeof faceReason.distance === 'number' ? '（差异度 ' + faceReason.distance.toFixed(2) + '）' : ''
    return { band: 'fail', text: (faceReason.message || '人脸核验未通过') + d }
  }
  if (visit && visit.face_passed) {
    const d = visit.face_distance
    if (typeof d === 'number') return { band: 'pass', text: (d <= 0.35 ? '人脸比对高度一致' : '人脸比对一致') + '（差异度 ' + d.toFixed(2) + '）' }
    return { band: 'pass', text: '人脸比对一致' }
  }
  return { band: 'unknown', text: '' }
}

function fenceText(visit, reasons, stage) {
  const code = stage === 'check_out' ? 'checkout_outside_geofence' : 'outside_geofence'
  const outside = reasons.find((r) => r.code === code)
  if (outside && typeof outside.distance_m === 'number') return { inside: false, text: '不在项目电子围栏内，距围栏约 ' + Math.round(outside.distance_m) + ' 米' }
  if (outside) return { inside: false, text: outside.message || '不在项目电子围栏内' }
  const d = visit && (stage === 'check_out' ? visit.checkout_distance_m : visit.distance_to_fence_m)
  if (typeof d === 'number' && d > 0) return { inside: false, text: '距项目电子围栏约 ' + Math.round(d) + ' 米' }
  return { inside: true, text: '位于项目电子围栏内' }
}

/**
 * What the practitioner sees after an act: {outcome: accepted|refused|waiting, title, face, fence, reasons,
 * flags}. `result` is the queue's result for the entry (null while it is still waiting to be sent).
 */
function explain(kind, result) {
  const what = kind === 'check_out' ? '签退' : kind === 'work_record' ? '作业记录' : '签到'
  if (!result) {
    return { outcome: 'waiting', title: what + '已保存在手机上，联网后自动提交', face: null, fence: null, reasons: [], flags: [] }
  }
  if (!result.ok) {
    const details = (result.error && result.error.details) || {}
    const reasons = details.reasons || []
    return {
      outcome: 'refused',
      title: what + '未通过：' + ((result.error && result.error.message) || '服务器拒绝了该记录'),
      face: kind === 'check_in' ? faceText(null, reasons) : null,
      fence: kind === 'check_in' && reasons.some((r) => r.code === 'outside_geofence') ? fenceText(null, reasons, 'check_in') : null,
      reasons: messages(reasons),
      flags: messages(details.flags),
    }
  }
  const visit = result.response || {}
  const flags = visit.flags || []
  if (kind === 'work_record') return { outcome: 'accepted', title: '作业记录已提交', face: null, fence: null, reasons: [], flags: [] }
  const stageFlags = kind === 'check_out' ? flags.filter((f) => f.stage === 'check_out') : flags.filter((f) => f.stage !== 'check_out')
  return {
    outcome: 'accepted',
    title: kind === 'check_out' ? '签退成功' : '签到成功',
    face: kind === 'check_in' ? faceText(visit, []) : null,
    fence: fenceText(visit, stageFlags, kind),
    reasons: [],
    flags: messages(stageFlags),
  }
}

module.exports = { deviceId, checkInSpec, checkOutSpec, recordSpec, explain, faceText, fenceText }
