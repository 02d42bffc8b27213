/**
 * End to end against the real backend (embedded default, demo data, the seeded on-site organisation):
 *   the org admin registers a project on the registration page with a point tapped on the map (GCJ-02), makes
 *   its maintenance plan and publishes it on the plan page → the practitioner checks in there (real photo) →
 *   the district supervisor, standing at the site, finds the project with "nearby" and starts a real-time spot
 *   check on the project page. Every request goes over HTTP to the server.
 */
const { useRealBackend, until } = require('../helpers/e2e')
const { openPage, tap, input, text, texts, find, settle } = require('../helpers/page')

jest.setTimeout(180000)

const ADMIN_PHONE = '13712340002' // added below as org admin of the seeded organisation
const SUPERVISOR_PHONE = '13900000002' // demo data: 黄浦支队 王监督 (the seeded site is in 黄浦区)

// The seeded practitioner becomes a registered fire engineer (project leads must be) and the organisation gets
// an administrator: rows written directly, as serve_backend.py seeds the rest.
const SETUP = `
import json
from datetime import date, timedelta
import sqlalchemy as sa
from backend import create_app
from backend.core.crypto import phone_hash
from backend.core.db import db
from backend.modules.accounts.models import User, UserRole
from backend.modules.realname.models import Certificate, Employment, Practitioner

app = create_app()
with app.app_context():
    user = db.session.scalar(sa.select(User).where(User.phone_hash == phone_hash("13712340001")))
    person = db.session.scalar(sa.select(Practitioner).where(Practitioner.user_id == user.id))
    person.certificates.append(Certificate(kind="engineer_1", cert_no="ZCE2E00001", registration_no="3100E2E001",
        issued_on=date(2020, 1, 1), expires_on=date.today() + timedelta(days=900), status="valid"))
    org_id = db.session.scalar(sa.select(Employment.org_id).where(Employment.practitioner_id == person.id))
    admin = User(phone="${ADMIN_PHONE}", phone_hash=phone_hash("${ADMIN_PHONE}"), display_name="外滩管理员")
    admin.roles.append(UserRole(role="org_admin", org_id=org_id))
    db.session.add(admin)
    db.session.commit()
    print(json.dumps({"org_id": org_id, "practitioner_id": person.id}))
`

const e2e = useRealBackend({
  setup: (backend) => JSON.parse(backend.python(SETUP)),
  afterInstall: (wx) => {
    wx.setNavigationBarTitle = jest.fn()
  },
})

// One SMS login per phone for the whole file (the server allows one code a minute per number).
const logins = {}

async function loginAs(phone) {
  const api = require('../../src/utils/api')
  const session = require('../../src/utils/session')
  session.clear()
  if (!logins[phone]) {
    await api.post('/auth/sms-codes', { phone, purpose: 'login' }, { auth: false })
    logins[phone] = await api.post('/auth/sms-login', { phone, code: e2e.backend.smsCode(phone) }, { auth: false })
  }
  session.save(logins[phone])
  return session
}

test('org admin registers a project by map pick → practitioner checks in → supervisor finds it nearby and spot-checks', async () => {
  const facts = e2e.backend.facts
  const api = require('../../src/utils/api')
  // ~80 m north-east of the seeded place, in GCJ-02 as the map component reports a tap
  const pick = { lng: facts.lng_gcj02 + 0.0006, lat: facts.lat_gcj02 + 0.0004 }

  // 1. The org admin registers the project on the page, tapping the site on the map.
  const session = await loginAs(ADMIN_PHONE)
  expect(session.activeRole()).toMatchObject({ role: 'org_admin', org_id: e2e.extra.org_id })
  wx.__location = { longitude: facts.lng_gcj02, latitude: facts.lat_gcj02, accuracy: 20 }
  const form = await openPage('org/pages/project-new/index')
  await until(() => (form.instance.data.leads || []).length > 0, 'the staff who may lead')
  expect(form.instance.data.leads[0]).toMatchObject({ id: e2e.extra.practitioner_id })
  await input(form, '.pn-name', '外滩源大楼消防设施维护保养')
  await input(form, '.pn-client', '上海外滩源物业管理有限公司')
  await input(form, '.pn-contact', '周丽华')
  await input(form, '.pn-phone', '13916000088')
  await input(form, '.pn-building', '外滩源大楼')
  await input(form, '.pn-address', '上海市黄浦区圆明园路100号')
  find(form, '.pn-systems').dispatchEvent('change', { detail: { value: ['fire_alarm', 'sprinkler', 'extinguisher'] } })
  find(form, '.pn-map').dispatchEvent('tap', { detail: { longitude: pick.lng, latitude: pick.lat } })
  await settle()
  find(form, '.pn-radius-picker').dispatchEvent('change', { detail: { value: 5 } }) // 500 m
  await settle()
  await tap(form, '.pn-submit')
  await until(() => wx.__calls.nav.some((n) => n[0] === 'redirectTo'), 'the registration')
  const url = wx.__calls.nav.filter((n) => n[0] === 'redirectTo')[0][1]
  const projectId = Number(/project_id=(\d+)/.exec(url)[1])
  const stored = await api.get('/projects/' + projectId)
  expect(stored).toMatchObject({ coord_source_crs: 'gcj02', district_code: '310101', status: 'registered' })
  // the server converted GCJ-02 to WGS-84: the stored point is some hundreds of metres from the raw numbers
  expect(Math.abs(stored.lng - pick.lng) + Math.abs(stored.lat - pick.lat)).toBeGreaterThan(0.003)

  // 2. The plan from the GB 25201 catalogue, then publicity, on the plan page.
  const plan = await openPage('org/pages/plan/index', { project_id: String(projectId) })
  expect(find(plan, '.plan-create')).not.toBeNull()
  await tap(plan, '.plan-create-button')
  await until(() => texts(plan, '.plan-item').length > 0, 'the generated plan')
  expect(texts(plan, '.plan-system .card-title')).toEqual(expect.arrayContaining(['火灾自动报警系统', '灭火器']))
  await tap(plan, '.plan-publish')
  await until(() => text(plan, '.plan-status') === '公示中', 'publicity')

  // 3. The practitioner checks in at the new project with a real photo, standing at the picked point.
  await loginAs(facts.phone)
  const checkIn = await api.upload({
    path: '/projects/' + projectId + '/check-ins',
    filePath: facts.photo,
    name: 'photo',
    formData: { lng: pick.lng, lat: pick.lat, crs: 'gcj02', accuracy_m: 12, device_id: 'e2e-org-supervisor', idempotency_key: 'e2e-org-sup-' + Date.now() },
  })
  expect(checkIn).toMatchObject({ status: 'checked_in' })

  // 4. The 黄浦 supervisor, standing at the site, finds the project nearby and starts a spot check.
  const sup = await loginAs(SUPERVISOR_PHONE)
  expect(sup.activeRole()).toMatchObject({ role: 'supervisor', jurisdiction: '310101' })
  wx.__location = { longitude: pick.lng + 0.0002, latitude: pick.lat - 0.0001, accuracy: 15 }
  const search = await openPage('supervisor/pages/projects/index')
  await tap(search, '.sp-nearby')
  await until(() => texts(search, '.sp-name').indexOf('外滩源大楼消防设施维护保养') >= 0, 'the project nearby')
  expect(text(search, '.sp-here')).toMatch(/^当前位置 /)

  const project = await openPage('supervisor/pages/project/index', { id: String(projectId) })
  await until(() => texts(project, '.pj-who').length === 1, 'the practitioner on site')
  await tap(project, '.pj-spot')
  await until(() => text(project, '.pj-last') !== null, 'the spot check')
  expect(text(project, '.pj-last')).toMatch(/^已对 张\* 发起抽查，须在 .* 前答复。/)
  const checks = await api.get('/supervision/spot-checks', { limit: 10 })
  const mine = checks.items.filter((c) => c.visit_id === checkIn.id)
  expect(mine).toHaveLength(1)
  expect(mine[0]).toMatchObject({ status: 'issued', project: { id: projectId } })
})

// Uses the project the test above registered.
test('the keyword search and the radius: a far-away point does not find the project', async () => {
  const facts = e2e.backend.facts
  await loginAs(SUPERVISOR_PHONE)
  const search = await openPage('supervisor/pages/projects/index')
  await input(search, '.sp-q', '外滩源大楼')
  await tap(search, '.sp-search')
  await until(() => texts(search, '.sp-name').length > 0 || search.instance.data.state === 'empty', 'the keyword search')
  expect(texts(search, '.sp-name')).toEqual(['外滩源大楼消防设施维护保养'])
  // ~2.3 km west of the site with a 300 m radius
  wx.__location = { longitude: facts.lng_gcj02 - 0.024, latitude: facts.lat_gcj02, accuracy: 15 }
  find(search, '.sp-radius-picker').dispatchEvent('change', { detail: { value: 0 } })
  await settle()
  await tap(search, '.sp-nearby')
  await until(() => search.instance.data.state !== 'loading', 'the nearby search')
  expect(texts(search, '.sp-name')).not.toContain('外滩源大楼消防设施维护保养')
})
