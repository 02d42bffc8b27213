/** What each role finds on the workbench; every entry opens a page of that role's subpackage. */
function ORG_MENU() {
  return [
    { title: '本机构', desc: '登记状态、从业条件与证明材料', url: '/org/pages/index/index' },
    { title: '人员与邀请', desc: '邀请从业人员、撤回邀请、解除聘用', url: '/org/pages/members/index' },
    { title: '项目', desc: '本机构项目与维保计划', url: '/org/pages/projects/index' },
    { title: '登记项目', desc: '地图选点、电子围栏', url: '/org/pages/project-new/index' },
    { title: '月度报表', desc: '编制并于次月10日前提交', url: '/org/pages/reports/index' },
    { title: '预警', desc: '本机构的预警与确认', url: '/org/pages/warnings/index' },
  ]
}

function SUPERVISOR_MENU(scope) {
  return [
    { title: '在岗人员', desc: scope + '当前签到在岗的从业人员，发起实时抽查', url: '/supervisor/pages/index/index' },
    { title: '查询项目', desc: '按名称或附近位置查找项目，现场检查', url: '/supervisor/pages/projects/index' },
  ]
}

const MENUS = {
  practitioner: [
    { title: '现场签到', desc: '我的项目、签到、作业记录、签退', url: '/practitioner/pages/projects/index' },
    { title: '待提交记录', desc: '无网络时保存在手机上的记录', url: '/pages/queue/index' },
    { title: '实时抽查', desc: '限时答复监督抽查：拍照与定位', url: '/practitioner/pages/spot-check/index' },
    { title: '待签署文件', desc: '人脸核验后签署结论文件', url: '/practitioner/pages/documents/index' },
    { title: '实名认证', desc: '身份、证书与审核状态', url: '/practitioner/pages/realname/index' },
    { title: '人脸采集', desc: '同意书、活体提示与采集结果', url: '/practitioner/pages/face/index' },
    { title: '手写签名', desc: '在屏幕上签名，用于结论文件', url: '/practitioner/pages/signature/index' },
    { title: '我的机构', desc: '当前执业机构与聘用邀请', url: '/practitioner/pages/employer/index' },
  ],
  org_admin: ORG_MENU(),
  legal_rep: ORG_MENU(),
  supervisor: SUPERVISOR_MENU('辖区内'),
  corps_admin: SUPERVISOR_MENU('全市'),
}

function forRole(role) {
  return (MENUS[role] || []).slice()
}

module.exports = { MENUS, forRole }
