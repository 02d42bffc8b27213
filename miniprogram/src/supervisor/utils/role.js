/** Supervisors (district detachments) and the corps admin act on site; everyone else sees a refusal. */
const session = require('../../utils/session')

const SUPERVISORY = ['supervisor', 'corps_admin']

function supervisorContext(what) {
  if (!session.isLoggedIn()) return { state: 'login', message: '登录后' + (what || '使用监督功能') }
  const role = session.activeRole()
  if (!role || SUPERVISORY.indexOf(role.role) < 0) return { state: 'refused', message: '仅监督管理人员可以' + (what || '使用此功能') }
  return { role: role.role, jurisdiction: role.jurisdiction }
}

module.exports = { SUPERVISORY, supervisorContext }
