const { installWx } = require('../helpers/wx')
const { FakeServer, error } = require('../helpers/fake-server')

let server
let queue
let session
let store // what the fake backend has recorded, by idempotency key

function loadModules() {
  queue = require('../../src/utils/offline-queue')
  session = require('../../src/utils/session')
}

function login(userId) {
  session.save({ access_token: 'T' + userId, refresh_token: 'R' + userId, user: { id: userId, roles: [{ role: 'practitioner' }] } })
}

/** The check-in endpoint as the backend behaves: the idempotency key makes a resend return the first answer. */
function checkInEndpoint(opts) {
  const o = opts || {}
  let inFlight = 0
  server.maxInFlight = 0
  server.on('POST /api/v1/projects/<id>/check-ins', async (req) => {
    inFlight += 1
    server.maxInFlight = Math.max(server.maxInFlight, inFlight)
    await new Promise((r) => setTimeout(r, 2))
    inFlight -= 1
    if (!req.token) return error(401, 'unauthorized', '请先登录')
    const key = req.formData.idempotency_key
    if (o.refuse && o.refuse(req)) {
      return error(422, 'check_in_refused', '签到未通过', { reasons: [{ code: 'outside_geofence', message: '不在项目地点范围内（距离 820 米）' }] })
    }
    if (!store.has(key)) store.set(key, { id: store.size + 1, project_id: Number(req.params.id), fields: req.formData })
    return { status: 201, body: store.get(key) }
  })
  server.on('POST /api/v1/visits/<id>/records', (req) => {
    if (!store.has(req.data.idempotency_key)) store.set(req.data.idempotency_key, { id: store.size + 1, visit_id: req.data.visit_id })
    return { status: 201, body: store.get(req.data.idempotency_key) }
  })
}

function enqueueCheckIn(projectId, extra) {
  return queue.enqueue(
    Object.assign(
      {
        kind: 'check_in',
        label: '签到：项目' + projectId,
        path: '/projects/' + projectId + '/check-ins',
        filePath: 'http://tmp/photo-' + projectId + '.jpg',
        fields: { device_id: 'dev-1' },
        location: { lng: 121.4737, lat: 31.2304, accuracy: 15, crs: 'gcj02' },
      },
      extra,
    ),
  )
}

const settle = async (n) => {
  for (let i = 0; i < (n || 20); i++) await new Promise((r) => setTimeout(r, 3))
}

beforeEach(() => {
  jest.useRealTimers()
  jest.resetModules()
  server = new FakeServer()
  store = new Map()
  installWx({ transport: server.transport() })
  loadModules()
  login(7)
})

test('an act is stored before sending, with its key, device time, location and a copy of the photo', async () => {
  wx.__setOnline(false)
  const entry = enqueueCheckIn(12)
  const stored = wx.getStorageSync(queue.ENTRIES_KEY)
  expect(stored).toHaveLength(1)
  expect(stored[0].key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  expect(stored[0].deviceTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/)
  expect(stored[0].location).toEqual({ lng: 121.4737, lat: 31.2304, accuracy: 15, crs: 'gcj02' })
  // the temp file of wx.chooseMedia would not survive a restart
  expect(stored[0].filePath).toBe('wxfile://usr/offline-queue/' + entry.key + '.jpg')
  expect(wx.__files.has(stored[0].filePath)).toBe(true)
})

test('entries go out in capture order when the network returns, each stored exactly once', async () => {
  checkInEndpoint()
  queue.start()
  wx.__setOnline(false)
  const keys = [enqueueCheckIn(1).key, enqueueCheckIn(2).key, enqueueCheckIn(3).key]
  await settle()
  expect(server.log).toHaveLength(0)
  expect(queue.pending()).toHaveLength(3)

  wx.__setOnline(true)
  await settle()
  const sent = server.calls('POST /api/v1/projects/1/check-ins')
    .concat(server.calls('POST /api/v1/projects/2/check-ins'), server.calls('POST /api/v1/projects/3/check-ins'))
  expect(sent.map((c) => c.formData.idempotency_key)).toEqual(keys)
  expect(server.log.map((c) => c.path)).toEqual(['/api/v1/projects/1/check-ins', '/api/v1/projects/2/check-ins', '/api/v1/projects/3/check-ins'])
  expect(store.size).toBe(3)
  expect(queue.pending()).toHaveLength(0)
  expect(queue.resultFor(keys[1])).toMatchObject({ ok: true, response: { id: 2, project_id: 2 } })
  // the copied photos are removed once the server has them
  expect([...wx.__files.keys()].filter((p) => /offline-queue\/.+\.jpg$/.test(p))).toEqual([])
})

test('the form carries the idempotency key, device time and GCJ-02 location; the key is also a header', async () => {
  checkInEndpoint()
  const entry = enqueueCheckIn(5)
  await settle()
  const call = server.calls('POST /api/v1/projects/5/check-ins')[0]
  expect(call.header['idempotency-key']).toBe(entry.key)
  expect(call.name).toBe('photo')
  expect(call.formData).toEqual({
    device_id: 'dev-1',
    idempotency_key: entry.key,
    device_time: entry.deviceTime,
    lng: '121.4737',
    lat: '31.2304',
    accuracy_m: '15',
    crs: 'gcj02',
  })
})

test('an answer lost in the network is retried with the same key and the server keeps one record', async () => {
  checkInEndpoint()
  let drop = true
  const real = server.transport()
  wx.__transport = async (kind, req) => {
    const res = await real(kind, req) // the server stores the check-in ...
    if (drop) {
      drop = false
      throw { errMsg: 'uploadFile:fail timeout' } // ... but the phone never hears back
    }
    return res
  }
  const entry = enqueueCheckIn(8)
  await settle()
  expect(store.size).toBe(1)
  expect(queue.pending()).toHaveLength(1)
  expect(queue.pending()[0]).toMatchObject({ state: 'waiting', attempts: 1, lastError: { code: 'network_timeout' } })

  await queue.flush({ force: true })
  const keys = server.calls('POST /api/v1/projects/8/check-ins').map((c) => c.formData.idempotency_key)
  expect(keys).toEqual([entry.key, entry.key])
  expect(store.size).toBe(1)
  expect(queue.pending()).toHaveLength(0)
  expect(queue.resultFor(entry.key)).toMatchObject({ ok: true, response: { id: 1 } })
})

test('5xx and network errors are retried with growing back-off, not immediately', async () => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] })
  let failures = 2
  server.on('POST /api/v1/projects/<id>/check-ins', (req) => {
    if (failures-- > 0) return error(503, 'service_unavailable', '服务暂时不可用，请稍后重试')
    return { status: 201, body: { id: 1, key: req.formData.idempotency_key } }
  })
  enqueueCheckIn(4)
  await jest.advanceTimersByTimeAsync(0)
  expect(server.log).toHaveLength(1)
  const first = queue.pending()[0]
  const firstDelay = first.nextAttemptAt - Date.now()
  expect(firstDelay).toBeGreaterThan(0)
  expect(first.lastError).toMatchObject({ status: 503, code: 'service_unavailable' })

  queue.flush() // an automatic flush during the back-off sends nothing
  await jest.advanceTimersByTimeAsync(0)
  expect(server.log).toHaveLength(1)

  await jest.advanceTimersByTimeAsync(firstDelay + 1)
  expect(server.log).toHaveLength(2)
  const secondDelay = queue.pending()[0].nextAttemptAt - Date.now()
  expect(secondDelay).toBeGreaterThan(firstDelay)

  await jest.advanceTimersByTimeAsync(secondDelay + 1)
  expect(server.log).toHaveLength(3)
  expect(queue.pending()).toHaveLength(0)
})

test('a definitive refusal is shown, kept until dismissed, never retried, and the next entry still goes', async () => {
  checkInEndpoint({ refuse: (req) => req.params.id === '1' })
  wx.__setOnline(false)
  const refused = enqueueCheckIn(1)
  const accepted = enqueueCheckIn(2)
  wx.__setOnline(true)
  await queue.flush({ force: true })
  await settle()

  expect(queue.pending()).toHaveLength(0)
  expect(server.calls('POST /api/v1/projects/1/check-ins')).toHaveLength(1)
  expect(queue.resultFor(accepted.key).ok).toBe(true)
  expect(queue.resultFor(refused.key)).toMatchObject({ ok: false, status: 422, error: { code: 'check_in_refused' } })
  expect(wx.__calls.modal[0]).toMatchObject({ title: '签到：项目1未被接受', content: '签到未通过\n不在项目地点范围内（距离 820 米）' })
  expect(queue.snapshot().refused.map((r) => r.key)).toEqual([refused.key])

  await queue.flush({ force: true })
  expect(server.calls('POST /api/v1/projects/1/check-ins')).toHaveLength(1)
  queue.dismiss(refused.key)
  expect(queue.snapshot().refused).toEqual([])
})

test('a flush never runs twice at once: one request in flight however often it is asked', async () => {
  checkInEndpoint()
  wx.__setOnline(false)
  for (let i = 1; i <= 4; i++) enqueueCheckIn(i)
  wx.__setOnline(true)
  const flushes = [queue.flush(), queue.flush({ force: true }), queue.flush(), queue.flush({ force: true })]
  await Promise.all(flushes)
  await settle()
  expect(server.maxInFlight).toBe(1)
  expect(server.log).toHaveLength(4)
  expect(store.size).toBe(4)
})

test('without a login the entry waits (not refused) and goes once the same person logs in', async () => {
  checkInEndpoint()
  session.clear()
  session.save({ access_token: '', refresh_token: '', user: { id: 7 } }) // the practitioner's session ended
  wx.__setOnline(false)
  const entry = enqueueCheckIn(6)
  wx.__setOnline(true)
  await queue.flush({ force: true })
  expect(queue.pending()[0]).toMatchObject({ key: entry.key, state: 'needs_login' })
  expect(store.size).toBe(0)

  login(7)
  await queue.flush({ force: true })
  expect(store.size).toBe(1)
  expect(queue.pending()).toHaveLength(0)
})

test("another person's login never sends someone else's entries", async () => {
  checkInEndpoint()
  wx.__setOnline(false)
  enqueueCheckIn(9)
  login(8) // a colleague logs in on the same phone
  wx.__setOnline(true)
  await queue.flush({ force: true })
  expect(server.log).toHaveLength(0)
  expect(queue.pending()[0].state).toBe('needs_login')
})

test('a work record waits for its check-in and takes the visit id from its answer', async () => {
  checkInEndpoint()
  wx.__setOnline(false)
  const checkIn = enqueueCheckIn(3)
  const record = queue.enqueue({
    kind: 'work_record',
    label: '作业记录：末端试水',
    path: '/visits/pending/records',
    fields: { result: 'normal' },
    refs: { visit_id: { key: checkIn.key, path: 'id' } },
  })
  wx.__setOnline(true)
  await queue.flush({ force: true })
  await settle()
  const call = server.calls('POST /api/v1/visits/pending/records')[0]
  expect(call.data).toMatchObject({ result: 'normal', visit_id: 1, idempotency_key: record.key })
  expect(server.log.map((c) => c.path)).toEqual(['/api/v1/projects/3/check-ins', '/api/v1/visits/pending/records'])
})

test('a work record whose check-in was refused is refused too, without being sent', async () => {
  checkInEndpoint({ refuse: () => true })
  wx.__setOnline(false)
  const checkIn = enqueueCheckIn(3)
  const record = queue.enqueue({
    kind: 'work_record',
    path: '/visits/pending/records',
    fields: { result: 'normal' },
    refs: { visit_id: { key: checkIn.key } },
  })
  wx.__setOnline(true)
  await queue.flush({ force: true })
  await settle()
  expect(server.calls('POST /api/v1/visits/pending/records')).toHaveLength(0)
  expect(queue.resultFor(record.key)).toMatchObject({ ok: false, error: { code: 'dependency_refused', message: '所依赖的签到未被接受，此记录无法提交' } })
})

test('what a closed mini-program left is sent on the next start, even an entry caught mid-send', async () => {
  checkInEndpoint()
  wx.__setOnline(false)
  const entry = enqueueCheckIn(2)
  const stored = wx.getStorageSync(queue.ENTRIES_KEY)
  stored[0].state = 'sending' // the app was killed while the request was in flight
  wx.setStorageSync(queue.ENTRIES_KEY, stored)

  jest.resetModules() // a new run of the mini-program: same storage and files, fresh memory
  loadModules()
  wx.__setOnline(true)
  queue.start()
  await settle()
  expect(store.get(entry.key)).toMatchObject({ id: 1, project_id: 2 })
  expect(queue.pending()).toHaveLength(0)
})

test('subscribers see what is waiting and what was refused', async () => {
  const seen = []
  const stop = queue.subscribe((snap) => seen.push(snap.entries.length + '/' + snap.refused.length))
  checkInEndpoint({ refuse: () => true })
  enqueueCheckIn(1)
  await settle()
  stop()
  expect(seen[0]).toBe('0/0')
  expect(seen).toContain('1/0')
  expect(seen[seen.length - 1]).toBe('0/1')
})
