/** What each role finds on the workbench; every entry opens a page of that role's subpackage. */
const MENUS = {
  practitioner: [
    { title: '现场签到', desc: '我的项目、签到、作业记录、签退', url: '/practitioner/pages/projects/index' },
    { title: '待提交记录', desc: '无网络时保存在手机上的记录', url: '/pages/queue/index' },
  ],
  org_admin: [{ title: '本机构', desc: '登记状态与从业条件', url: '/org/pages/index/index' }],
  legal_rep: [{ title: '本机构', desc: '登记状态与从业条件', url: '/org/pages/index/index' }],
  supervisor: [{ title: '在岗人员', desc: '辖区内当前签到在岗的从业人员', url: '/supervisor/pages/index/index' }],
  corps_admin: [{ title: '在岗人员', desc: '全市当前签到在岗的从业人员', url: '/supervisor/pages/index/index' }],
}

function forRole(role) {
  return (MENUS[role] || []).slice()
}

module.exports = { MENUS, forRole }
