/** The organisation the active org-admin / legal-representative role manages, or the state to show instead. */
const session = require('../../utils/session')

const ORG_ROLES = ['org_admin', 'legal_rep']

function orgContext() {
  if (!session.isLoggedIn()) return { state: 'login', message: '登录后管理本机构' }
  const role = session.activeRole()
  if (!role || ORG_ROLES.indexOf(role.role) < 0 || !role.org_id) {
    return { state: 'refused', message: '请切换到机构管理人员或法定代表人角色' }
  }
  return { orgId: role.org_id, role: role.role }
}

module.exports = { ORG_ROLES, orgContext }
