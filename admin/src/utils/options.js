// Filter options that mirror the API's enums (the API validates them; labels are for people).
import { DISTRICT_CODES } from '@/utils/area'

export const DISTRICT_NAMES = {
  310101: '黄浦区', 310104: '徐汇区', 310105: '长宁区', 310106: '静安区', 310107: '普陀区', 310109: '虹口区',
  310110: '杨浦区', 310112: '闵行区', 310113: '宝山区', 310114: '嘉定区', 310115: '浦东新区', 310116: '金山区',
  310117: '松江区', 310118: '青浦区', 310120: '奉贤区', 310151: '崇明区',
}

/** District filter options: a district supervisor sees only its own district; the corps and special detachments all. */
export function districtOptions(jurisdiction) {
  const codes = DISTRICT_CODES.includes(jurisdiction) ? [jurisdiction] : DISTRICT_CODES
  return codes.map((code) => ({ value: code, label: DISTRICT_NAMES[code] }))
}

export const ORG_STATUSES = [
  { value: 'submitted', label: '待审核' },
  { value: 'verified', label: '已通过' },
  { value: 'rejected', label: '已退回' },
  { value: 'suspended', label: '已暂停' },
  { value: 'deregistered', label: '已注销' },
  { value: 'draft', label: '草稿' },
]

export const SERVICE_TYPES = [
  { value: 'maintenance', label: '维护保养' },
  { value: 'testing', label: '检测' },
  { value: 'assessment', label: '评估' },
]

export const PROJECT_STATUSES = [
  { value: 'registered', label: '已登记' },
  { value: 'published', label: '公示中' },
  { value: 'in_service', label: '服务中' },
  { value: 'concluded', label: '已完结' },
  { value: 'archived', label: '已归档' },
  { value: 'cancelled', label: '已撤销' },
  { value: 'needs_supplement', label: '待补充信息' },
]

export const VISIT_STATUSES = [
  { value: 'checked_in', label: '在场' },
  { value: 'checked_out', label: '已签退' },
  { value: 'rejected', label: '签到被拒' },
]

export const label = (options, value) => options.find((o) => o.value === value)?.label || value || '—'
