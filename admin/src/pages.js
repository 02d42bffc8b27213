// Every page of the SPA in one list: the router is built from it and the menu is filtered from it, so a page
// the user may not open is neither offered in the menu nor reachable by URL (the API refuses anyway).

export const ROLE = Object.freeze({
  SUPERVISOR: 'supervisor',
  CORPS_ADMIN: 'corps_admin',
  ORG_ADMIN: 'org_admin',
  LEGAL_REP: 'legal_rep',
  PRACTITIONER: 'practitioner',
})

const SUPERVISORY = [ROLE.SUPERVISOR, ROLE.CORPS_ADMIN]

export const GROUPS = [
  { key: 'overview', title: '监管概览' },
  { key: 'realname', title: '实名认证' },
  { key: 'projects', title: '移动执业' },
  { key: 'supervision', title: '监督检查' },
  { key: 'monitoring', title: '过程监控' },
  { key: 'corps', title: '总队管理' },
]

export const PAGES = [
  {
    name: 'dashboard',
    path: 'dashboard',
    title: '监管概览',
    group: 'overview',
    icon: 'DataAnalysis',
    roles: SUPERVISORY,
    component: () => import('./views/DashboardView.vue'),
  },
  {
    name: 'review-queue',
    path: 'realname/review-queue',
    title: '机构登记审核',
    group: 'realname',
    icon: 'Stamp',
    roles: SUPERVISORY,
    component: () => import('./views/realname/ReviewQueueView.vue'),
  },
  {
    name: 'organizations',
    path: 'realname/organizations',
    title: '技术服务机构',
    group: 'realname',
    icon: 'OfficeBuilding',
    roles: SUPERVISORY,
    component: () => import('./views/realname/OrganizationsView.vue'),
  },
  {
    name: 'practitioners',
    path: 'realname/practitioners',
    title: '从业人员',
    group: 'realname',
    icon: 'User',
    roles: SUPERVISORY,
    component: () => import('./views/realname/PractitionersView.vue'),
  },
  {
    name: 'projects',
    path: 'projects',
    title: '项目',
    group: 'projects',
    icon: 'Files',
    roles: SUPERVISORY,
    component: () => import('./views/projects/ProjectsView.vue'),
  },
  {
    name: 'visits',
    path: 'projects/visits',
    title: '现场签到',
    group: 'projects',
    icon: 'Location',
    roles: SUPERVISORY,
    component: () => import('./views/projects/VisitsView.vue'),
  },
  {
    name: 'documents',
    path: 'projects/documents',
    title: '书面结论文件',
    group: 'projects',
    icon: 'Tickets',
    roles: SUPERVISORY,
    component: () => import('./views/projects/DocumentsView.vue'),
  },
  {
    name: 'feedback',
    path: 'projects/feedback',
    title: '从业反馈',
    group: 'projects',
    icon: 'ChatLineSquare',
    roles: SUPERVISORY,
    component: () => import('./views/projects/FeedbackView.vue'),
  },
  {
    name: 'plans',
    path: 'projects/plans',
    title: '维保计划与清单',
    group: 'projects',
    icon: 'Calendar',
    roles: SUPERVISORY,
    component: () => import('./views/projects/PlanView.vue'),
  },
  {
    name: 'defects',
    path: 'projects/defects',
    title: '故障隐患与维修',
    group: 'projects',
    icon: 'Tools',
    roles: SUPERVISORY,
    component: () => import('./views/projects/DefectsView.vue'),
  },
  {
    name: 'spot-checks',
    path: 'supervision/spot-checks',
    title: '实时抽查',
    group: 'supervision',
    icon: 'View',
    roles: SUPERVISORY,
    component: () => import('./views/supervision/SpotChecksView.vue'),
  },
  {
    name: 'inspections',
    path: 'supervision/inspections',
    title: '现场检查',
    group: 'supervision',
    icon: 'List',
    roles: SUPERVISORY,
    component: () => import('./views/supervision/InspectionsView.vue'),
  },
  {
    name: 'penalties',
    path: 'supervision/penalties',
    title: '行政处罚',
    group: 'supervision',
    icon: 'Warning',
    roles: SUPERVISORY,
    component: () => import('./views/supervision/PenaltiesView.vue'),
  },
  {
    name: 'timeline',
    path: 'supervision/timeline',
    title: '全生命周期',
    group: 'supervision',
    icon: 'Clock',
    roles: SUPERVISORY,
    component: () => import('./views/timeline/TimelineView.vue'),
  },
  {
    name: 'monitoring-warnings',
    path: 'monitoring/warnings',
    title: '预警',
    group: 'monitoring',
    icon: 'Bell',
    roles: SUPERVISORY,
    component: () => import('./views/monitoring/WarningsView.vue'),
  },
  {
    name: 'monitoring-tracking',
    path: 'monitoring/tracking',
    title: '维保计划执行',
    group: 'monitoring',
    icon: 'List',
    roles: SUPERVISORY,
    component: () => import('./views/monitoring/TrackingView.vue'),
  },
  {
    name: 'monitoring-reports',
    path: 'monitoring/reports',
    title: '月度报表',
    group: 'monitoring',
    icon: 'Document',
    roles: SUPERVISORY,
    component: () => import('./views/monitoring/ReportsView.vue'),
  },
  {
    name: 'monitoring-scores',
    path: 'monitoring/scores',
    title: '画像评分',
    group: 'monitoring',
    icon: 'TrendCharts',
    roles: SUPERVISORY,
    component: () => import('./views/monitoring/ScoresView.vue'),
  },
  {
    name: 'monitoring-rules',
    path: 'monitoring/rules',
    title: '预警规则阈值',
    group: 'monitoring',
    icon: 'Setting',
    roles: SUPERVISORY,
    permission: 'manage_rules',
    component: () => import('./views/monitoring/RulesView.vue'),
  },
  {
    name: 'supervisors',
    path: 'corps/supervisors',
    title: '监督账号',
    group: 'corps',
    icon: 'UserFilled',
    roles: [ROLE.CORPS_ADMIN],
    component: () => import('./views/corps/SupervisorsView.vue'),
  },
  {
    name: 'audit-logs',
    path: 'corps/audit-logs',
    title: '审计日志',
    group: 'corps',
    icon: 'Document',
    roles: [ROLE.CORPS_ADMIN],
    component: () => import('./views/corps/AuditLogView.vue'),
  },
  {
    name: 'outbox',
    path: 'corps/outbox',
    title: '消息发件箱',
    group: 'corps',
    icon: 'Message',
    roles: [ROLE.CORPS_ADMIN],
    component: () => import('./views/corps/OutboxView.vue'),
  },
  {
    name: 'jobs',
    path: 'corps/jobs',
    title: '后台任务',
    group: 'corps',
    icon: 'Timer',
    roles: [ROLE.CORPS_ADMIN],
    component: () => import('./views/corps/JobsView.vue'),
  },
]

/** The role codes a /me answer holds (a user may hold several). */
export function rolesOf(me) {
  return new Set((me?.roles || []).map((r) => r.role))
}

/** Corps admins hold every permission; supervisors hold what the corps admin granted. */
export function hasPermission(me, permission) {
  if (!me) return false
  return rolesOf(me).has(ROLE.CORPS_ADMIN) || (me.permissions || []).includes(permission)
}

export function canSee(page, me) {
  if (!me) return false
  const roles = rolesOf(me)
  if (!page.roles.some((r) => roles.has(r))) return false
  if (page.permission && !hasPermission(me, page.permission)) return false
  if (page.jurisdictions && !page.jurisdictions.includes(me.jurisdiction)) return false
  return true
}

export function visiblePages(me, pages = PAGES) {
  return pages.filter((p) => canSee(p, me))
}

/** Menu groups in display order, each with its visible pages; empty groups are dropped. */
export function menuFor(me, pages = PAGES) {
  const visible = visiblePages(me, pages)
  return GROUPS.map((g) => ({ ...g, pages: visible.filter((p) => p.group === g.key) })).filter((g) => g.pages.length)
}

export function homePage(me, pages = PAGES) {
  return visiblePages(me, pages)[0] || null
}
