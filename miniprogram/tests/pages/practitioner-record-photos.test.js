// Practitioner subpackage: work records with photos taken on site. The record goes first; each photo follows
// as its own upload naming the record, through the offline queue, so they are kept and sent in order.
const { freshApp, loginAs, error } = require('../helpers/setup')
const { openPage, tap, texts, findAll } = require('../helpers/page')

let server
let session

const PROJECT = {
  id: 12,
  project_no: 'WB2026000012',
  name: '和平饭店消防设施维护保养',
  service_type: 'testing',
  status: 'in_service',
  building: { name: '和平饭店', address: '上海市黄浦区南京东路20号', facility_systems: ['fire_alarm', 'sprinkler'] },
  missing: [],
}

beforeEach(() => {
  ;({ server, session } = freshApp())
  loginAs(session, ['practitioner'])
  server.on('GET /api/v1/projects/<id>', () => ({ status: 200, body: PROJECT }))
  server.on('GET /api/v1/visits', () => ({ status: 200, body: { items: [], next_cursor: null } }))
  server.on('GET /api/v1/catalogue', () => ({ status: 200, body: { systems: [{ code: 'fire_alarm', name: '火灾自动报警系统' }] } }))
  server.on('POST /api/v1/projects/<id>/check-ins', () => ({ status: 201, body: { id: 77, project_id: 12, status: 'checked_in', face_passed: true, flags: [] } }))
  server.on('POST /api/v1/records/<id>/photos', (req) => ({ status: 201, body: { id: Number(req.params.id), photo_file_ids: [1] } }))
})

function photos(paths) {
  wx.__media = { tempFiles: paths.map((p) => ({ tempFilePath: p, size: 1000, fileType: 'image' })) }
}

test('photos are taken with the camera, can be removed, and follow the record in order', async () => {
  server.on('POST /api/v1/visits/<id>/records', () => ({ status: 201, body: { id: 5, visit_id: 77 } }))
  require('../../src/utils/offline-queue').start()
  const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
  await tap(page, '.check-in-button')
  await new Promise((r) => setTimeout(r, 20))

  photos(['http://tmp/a.jpg', 'http://tmp/b.jpg', 'http://tmp/c.jpg'])
  await tap(page, '.record-add-photo')
  expect(wx.chooseMedia.mock.calls[1][0]).toMatchObject({ sourceType: ['camera'], count: 9 })
  expect(findAll(page, '.record-photo-image')).toHaveLength(3)
  await tap(page, '.record-photo-remove') // the first one
  expect(page.data.recordPhotos).toEqual(['http://tmp/b.jpg', 'http://tmp/c.jpg'])

  await tap(page, '.record-button')
  await new Promise((r) => setTimeout(r, 50))
  const posts = server.log.filter((c) => c.method === 'POST').map((c) => c.path)
  expect(posts).toEqual(['/api/v1/projects/12/check-ins', '/api/v1/visits/77/records', '/api/v1/records/5/photos', '/api/v1/records/5/photos'])
  const uploads = server.calls('POST /api/v1/records/5/photos')
  expect(uploads.map((u) => u.name)).toEqual(['photo', 'photo'])
  // copies of the camera's temp files, kept until sent
  expect(uploads.map((u) => u.filePath)).toEqual([expect.stringMatching(/^wxfile:\/\/usr\/offline-queue\/.+\.jpg$/), expect.stringMatching(/\.jpg$/)])
  expect(uploads[0].formData.idempotency_key).not.toBe(uploads[1].formData.idempotency_key)
  expect(uploads[0].formData.lng).toBeUndefined() // the location belongs to the check-in, not to each photo
  expect(page.data.recordPhotos).toEqual([])
  expect(require('../../src/utils/offline-queue').pending()).toEqual([])
})

test('offline: check-in, record and photos wait on the phone and go in order when the network returns', async () => {
  server.on('POST /api/v1/visits/<id>/records', () => ({ status: 201, body: { id: 6, visit_id: 77 } }))
  const queue = require('../../src/utils/offline-queue')
  queue.start()
  const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
  wx.__setOnline(false)
  await tap(page, '.check-in-button')
  photos(['http://tmp/d.jpg'])
  await tap(page, '.record-add-photo')
  await tap(page, '.record-button')
  expect(queue.pending().map((e) => e.kind)).toEqual(['check_in', 'work_record', 'work_photo'])
  expect(texts(page, '.page-queue >>> .queue-status-line')).toEqual(['3 条记录待提交查看 ›'])
  expect(server.log.filter((c) => c.method === 'POST')).toHaveLength(0)

  wx.__setOnline(true)
  await new Promise((r) => setTimeout(r, 50))
  expect(server.log.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual([
    '/api/v1/projects/12/check-ins',
    '/api/v1/visits/77/records',
    '/api/v1/records/6/photos',
  ])
  expect(queue.pending()).toEqual([])
})

test('a refused record takes its photos with it: they are not sent', async () => {
  server.on('POST /api/v1/visits/<id>/records', () => error(422, 'system_not_in_building', '该建筑没有这个消防设施系统'))
  const queue = require('../../src/utils/offline-queue')
  queue.start()
  const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
  await tap(page, '.check-in-button')
  await new Promise((r) => setTimeout(r, 20))
  photos(['http://tmp/e.jpg'])
  await tap(page, '.record-add-photo')
  await tap(page, '.record-button')
  await new Promise((r) => setTimeout(r, 50))
  expect(server.log.filter((c) => /\/records\/.*\/photos$/.test(c.path))).toHaveLength(0)
  const refused = queue.snapshot().refused.map((r) => [r.kind, r.error.code])
  expect(refused).toEqual([
    ['work_photo', 'dependency_refused'],
    ['work_record', 'system_not_in_building'],
  ])
})
