/**
 * Offline-safe queue for on-site acts (check-ins, check-outs, work records).
 *
 * Rules (DESIGN §4 "offline submissions carry an idempotency key and the device time; late ones are accepted
 * and flagged, never lost"):
 * - an entry is stored with wx.setStorageSync before anything is sent, with an idempotency key generated once
 *   and kept across retries, the capture time on the device and the location;
 * - entries are sent one at a time, oldest first; a later entry never overtakes an earlier one (a work record
 *   needs its check-in first);
 * - an entry leaves the queue only when the server answers success or a definitive 4xx refusal; the refusal is
 *   shown to the user and kept in the results until dismissed, never retried;
 * - network errors, timeouts, 429 and 5xx are retried with exponential back-off; the queue is flushed again
 *   as soon as wx reports the network is back, or when the user asks;
 * - a flush never runs twice at the same time, so no entry is ever in flight twice concurrently.
 */
const api = require('./api')
const session = require('./session')
const { config } = require('./config')
const { newIdempotencyKey } = require('./ids')
const { isoLocal } = require('./time')

const ENTRIES_KEY = 'offline_queue.entries'
const RESULTS_KEY = 'offline_queue.results'
const MAX_RESULTS = 50
const PHOTO_DIR = 'offline-queue'

const KIND_NAMES = { check_in: '签到', check_out: '签退', work_record: '作业记录' }

const subscribers = []
const watched = {} // keys a page is waiting on: that page explains the answer itself
let flushing = null
let timer = null
let started = false
let online = true

function now() {
  return Date.now()
}

function currentUserId() {
  const s = session.get()
  return (s && s.user && s.user.id) || null
}

// ---- storage ----

function readEntries() {
  return wx.getStorageSync(ENTRIES_KEY) || []
}

function writeEntries(entries) {
  wx.setStorageSync(ENTRIES_KEY, entries)
}

function readResults() {
  return wx.getStorageSync(RESULTS_KEY) || []
}

function writeResults(results) {
  wx.setStorageSync(RESULTS_KEY, results)
}

function updateEntry(key, patch) {
  const entries = readEntries()
  const i = entries.findIndex((e) => e.key === key)
  if (i < 0) return null
  entries[i] = Object.assign({}, entries[i], patch)
  writeEntries(entries)
  return entries[i]
}

function removeEntry(key) {
  const entries = readEntries()
  const entry = entries.find((e) => e.key === key)
  writeEntries(entries.filter((e) => e.key !== key))
  if (entry && entry.filePath && entry.fileOwned) deleteFile(entry.filePath)
}

function referencedKeys() {
  const keys = {}
  readEntries().forEach((e) => Object.keys(e.refs || {}).forEach((f) => (keys[e.refs[f].key] = true)))
  return keys
}

function addResult(result) {
  const keep = referencedKeys()
  const results = [result].concat(readResults().filter((r) => r.key !== result.key))
  // Oldest successes go first; refusals stay until the user has seen and dismissed them.
  while (results.length > MAX_RESULTS) {
    let drop = -1
    for (let i = results.length - 1; i >= 0; i--) {
      if (results[i].ok && !keep[results[i].key]) {
        drop = i
        break
      }
    }
    if (drop < 0) break
    results.splice(drop, 1)
  }
  writeResults(results)
}

// ---- photos: the temp file of wx.chooseMedia does not survive a restart, so queued photos are copied ----

function fs() {
  return wx.getFileSystemManager()
}

function persistFile(tempPath, key) {
  const dir = wx.env.USER_DATA_PATH + '/' + PHOTO_DIR
  const ext = (/\.[a-z0-9]+$/i.exec(tempPath) || ['.jpg'])[0]
  const target = dir + '/' + key + ext
  try {
    try {
      fs().accessSync(dir)
    } catch (err) {
      fs().mkdirSync(dir, true)
    }
    fs().saveFileSync(tempPath, target)
    return { path: target, owned: true }
  } catch (err) {
    // Storage full or not allowed: keep the temp file; it is valid until the mini-program is closed.
    return { path: tempPath, owned: false }
  }
}

function deleteFile(path) {
  try {
    fs().unlinkSync(path)
  } catch (err) {
    // already gone
  }
}

// ---- public API ----

/**
 * Put an act in the queue and try to send it at once. Returns the stored entry (its `key` is the idempotency
 * key; pages use it to find the server's answer with `resultFor(key)` or `waitFor(key)`).
 *
 * fields: form fields (multipart when `filePath` is given) or the JSON body; `location` {lng, lat, accuracy}
 * (GCJ-02 from wx.getLocation) and the device time are added here. `refs` fills a field, or a `{field}` of
 * the path, from the answer to an earlier entry: {visit_id: {key: <check-in key>, path: 'id'}}; a value
 * already known is given directly in `fields` or the path instead.
 */
function enqueue(spec) {
  const key = spec.key || newIdempotencyKey()
  const file = spec.filePath ? persistFile(spec.filePath, key) : null
  const entry = {
    key,
    kind: spec.kind,
    label: spec.label || KIND_NAMES[spec.kind] || '待提交记录',
    path: spec.path,
    method: spec.method || 'POST',
    fields: spec.fields || {},
    filePath: file ? file.path : null,
    fileOwned: file ? file.owned : false,
    fileField: spec.fileField || 'photo',
    location: spec.location || null,
    deviceTime: spec.deviceTime || isoLocal(),
    refs: spec.refs || null,
    omit: spec.omit || [],
    // An act belongs to the person who did it: it is sent only with that person's login.
    userId: currentUserId(),
    createdAt: now(),
    attempts: 0,
    nextAttemptAt: 0,
    lastError: null,
    state: 'waiting',
  }
  const entries = readEntries()
  entries.push(entry)
  writeEntries(entries)
  emit()
  flush()
  return entry
}

function get(obj, path) {
  return String(path)
    .split('.')
    .reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj)
}

/**
 * The request for an entry. The idempotency key, device time and location are added to the fields unless the
 * endpoint takes no such field (`omit: ['idempotency_key']`: check-out is idempotent by visit); the key also
 * travels as an Idempotency-Key header. `{field}` in the path is filled from `refs` (e.g. the visit id).
 */
function requestFor(entry, resolved) {
  const omit = entry.omit || []
  const values = Object.assign({}, resolved)
  const path = entry.path.replace(/\{(\w+)\}/g, (m, name) => {
    const v = values[name]
    delete values[name]
    return encodeURIComponent(v)
  })
  const fields = Object.assign({}, entry.fields, values)
  if (omit.indexOf('idempotency_key') < 0) fields.idempotency_key = entry.key
  if (omit.indexOf('device_time') < 0) fields.device_time = entry.deviceTime
  if (entry.location && omit.indexOf('location') < 0) {
    fields.lng = entry.location.lng
    fields.lat = entry.location.lat
    if (entry.location.accuracy !== undefined && entry.location.accuracy !== null) fields.accuracy_m = entry.location.accuracy
    fields.crs = entry.location.crs || 'gcj02'
  }
  const opts = {
    path,
    method: entry.method,
    header: { 'Idempotency-Key': entry.key },
    loading: false,
    silent: true,
  }
  if (entry.filePath) {
    const formData = {}
    Object.keys(fields).forEach((k) => {
      const v = fields[k]
      if (v === undefined || v === null) return
      formData[k] = typeof v === 'object' ? JSON.stringify(v) : String(v)
    })
    return Object.assign(opts, { filePath: entry.filePath, name: entry.fileField, formData })
  }
  return Object.assign(opts, { data: fields })
}

/** Fill fields that depend on earlier entries; a refused dependency refuses this entry too. */
function resolveRefs(entry) {
  const resolved = {}
  const refs = entry.refs || {}
  const results = readResults()
  for (const field of Object.keys(refs)) {
    const dep = results.find((r) => r.key === refs[field].key)
    if (!dep || !dep.ok) {
      return {
        refusal: {
          status: 0,
          code: 'dependency_refused',
          message: '所依赖的' + ((dep && KIND_NAMES[dep.kind]) || '记录') + '未被接受，此记录无法提交',
          details: { depends_on: refs[field].key },
        },
      }
    }
    resolved[field] = get(dep.response, refs[field].path || 'id')
  }
  return { resolved }
}

function backoff(attempts) {
  const base = Math.min(config.retryMaxMs, config.retryBaseMs * Math.pow(2, Math.max(0, attempts - 1)))
  return Math.round(base * (0.8 + Math.random() * 0.4))
}

function schedule(delay) {
  if (timer) clearTimeout(timer)
  timer = setTimeout(() => {
    timer = null
    flush()
  }, Math.max(0, delay))
}

function refuse(entry, error) {
  const claimed = Boolean(watched[entry.key]) // read before emit(): the waiting page stops watching on it
  addResult({ key: entry.key, kind: entry.kind, label: entry.label, ok: false, status: error.status, error, at: now(), dismissed: false })
  removeEntry(entry.key)
  emit()
  if (claimed) return
  wx.showModal({
    title: entry.label + '未被接受',
    content: [error.message].concat(reasonTexts(error.details)).join('\n'),
    showCancel: false,
  })
}

/** Human reasons the server may give for a refusal (details.reasons: [{code, message}] or strings). */
function reasonTexts(details) {
  const reasons = (details && details.reasons) || []
  return reasons.map((r) => (typeof r === 'string' ? r : r.message || r.code)).filter(Boolean)
}

async function sendHead(entry) {
  const deps = resolveRefs(entry)
  if (deps.refusal) {
    refuse(entry, deps.refusal)
    return 'next'
  }
  updateEntry(entry.key, { state: 'sending', attempts: entry.attempts + 1, lastAttemptAt: now() })
  emit()
  try {
    const response = await api.request(requestFor(entry, deps.resolved))
    addResult({ key: entry.key, kind: entry.kind, label: entry.label, ok: true, status: 200, response, at: now() })
    removeEntry(entry.key)
    emit()
    return 'next'
  } catch (err) {
    const error = { status: err.status || 0, code: err.code, message: err.message, details: err.details || {} }
    if (err.definitive) {
      refuse(entry, error)
      return 'next'
    }
    if (err.status === 401) {
      // Not the entry's fault: the session ended. Keep it and send it after the user logs in again.
      updateEntry(entry.key, { state: 'needs_login', lastError: error })
      emit()
      return 'stop'
    }
    const delay = backoff(entry.attempts + 1)
    updateEntry(entry.key, { state: 'waiting', lastError: error, nextAttemptAt: now() + delay })
    emit()
    schedule(delay)
    return 'stop'
  }
}

/**
 * Send what is waiting, in order. `force` ignores the back-off of the first entry (the user asked, or the
 * network came back). Returns a promise that resolves when this flush stops; concurrent calls share it.
 */
function flush(options) {
  const force = Boolean(options && options.force)
  if (flushing) {
    // A forced flush asked during a running one gets its own pass right after it (never in parallel).
    return force ? flushing.then(() => flush(options)) : flushing
  }
  flushing = (async () => {
    let first = true
    for (;;) {
      const head = readEntries()[0]
      if (!head) break
      if (head.userId && head.userId !== currentUserId()) {
        if (head.state !== 'needs_login') updateEntry(head.key, { state: 'needs_login' })
        break
      }
      const wait = head.nextAttemptAt - now()
      if (wait > 0 && !(force && first)) {
        schedule(wait)
        break
      }
      first = false
      const outcome = await sendHead(head)
      if (outcome === 'stop') break
    }
  })()
    .catch(() => {})
    .then(() => {
      flushing = null
      emit()
    })
  emit()
  return flushing
}

function snapshot() {
  return {
    entries: readEntries(),
    refused: readResults().filter((r) => !r.ok && !r.dismissed),
    flushing: Boolean(flushing),
    online,
  }
}

function emit() {
  const snap = snapshot()
  subscribers.slice().forEach((fn) => fn(snap))
}

function subscribe(fn) {
  subscribers.push(fn)
  fn(snapshot())
  return () => {
    const i = subscribers.indexOf(fn)
    if (i >= 0) subscribers.splice(i, 1)
  }
}

function resultFor(key) {
  return readResults().find((r) => r.key === key) || null
}

/**
 * Resolves with the result for `key` once the server has answered (success or refusal). While a page waits,
 * a refusal is left to that page to explain instead of a modal.
 */
function waitFor(key) {
  return new Promise((resolve) => {
    const found = resultFor(key)
    if (found) return resolve(found)
    watched[key] = (watched[key] || 0) + 1
    let unsubscribe = null
    unsubscribe = subscribe(() => {
      const r = resultFor(key)
      if (r && unsubscribe) {
        unsubscribe()
        unsubscribe = null
        watched[key] -= 1
        if (!watched[key]) delete watched[key]
        resolve(r)
      }
    })
  })
}

function dismiss(key) {
  writeResults(readResults().map((r) => (r.key === key ? Object.assign({}, r, { dismissed: true }) : r)))
  emit()
}

function pending() {
  return readEntries()
}

/** Listen to the network once per app start (app.js onLaunch) and send whatever a previous run left. */
function start() {
  if (started) return
  started = true
  // An entry marked "sending" when the app died may or may not have arrived: its key makes a resend safe.
  readEntries().forEach((e) => e.state === 'sending' && updateEntry(e.key, { state: 'waiting' }))
  wx.onNetworkStatusChange((res) => {
    online = Boolean(res.isConnected)
    emit()
    if (online) flush({ force: true })
  })
  wx.getNetworkType({
    success: (res) => {
      online = res.networkType !== 'none'
      emit()
    },
  })
  flush()
}

module.exports = {
  KIND_NAMES,
  enqueue,
  flush,
  subscribe,
  snapshot,
  resultFor,
  waitFor,
  dismiss,
  pending,
  start,
  reasonTexts,
  requestFor,
  ENTRIES_KEY,
  RESULTS_KEY,
}
