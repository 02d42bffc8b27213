// The dashboard fills in from GET /api/v1/stats/summary once the monitoring module provides it. Until its
// schema is fixed this reads the shapes a summary plausibly takes (documented in admin/README.md):
//   { figures: [{ key, label, value, unit? }], by_district: [{ district_code, value }] | { "310101": n } }
// or a flat object of counts ({ organizations: 12, ... }).

const LABELS = {
  organizations: { label: '技术服务机构', unit: '家' },
  organizations_verified: { label: '已认证机构', unit: '家' },
  organizations_pending: { label: '待审核机构', unit: '家' },
  practitioners: { label: '从业人员', unit: '人' },
  engineers: { label: '注册消防工程师', unit: '人' },
  projects: { label: '项目', unit: '个' },
  projects_in_service: { label: '服务中项目', unit: '个' },
  visits_today: { label: '今日现场执业', unit: '次' },
  on_site_now: { label: '当前在场', unit: '人' },
  warnings_open: { label: '未处理预警', unit: '条' },
  spot_checks_open: { label: '待答复抽查', unit: '次' },
  penalties: { label: '行政处罚', unit: '起' },
  documents_effective: { label: '已生效文书', unit: '份' },
}

function figureFrom(key, value) {
  const known = LABELS[key]
  return { key, label: known?.label || key, value, unit: known?.unit || '' }
}

function districtValues(raw) {
  const out = {}
  if (Array.isArray(raw)) {
    for (const row of raw) {
      const code = row?.district_code ?? row?.code
      const value = row?.value ?? row?.count
      if (code && typeof value === 'number') out[String(code)] = value
    }
  } else if (raw && typeof raw === 'object') {
    for (const [code, value] of Object.entries(raw)) if (typeof value === 'number') out[code] = value
  }
  return out
}

export function normalizeSummary(data) {
  if (!data || typeof data !== 'object') return { figures: [], byDistrict: {}, districtMetric: '' }
  let figures
  if (Array.isArray(data.figures)) {
    figures = data.figures
      .filter((f) => f && f.value !== undefined)
      .map((f) => ({ ...figureFrom(f.key, f.value), ...(f.label ? { label: f.label } : {}), ...(f.unit ? { unit: f.unit } : {}) }))
  } else {
    figures = Object.entries(data)
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => figureFrom(k, v))
  }
  return {
    figures,
    byDistrict: districtValues(data.by_district ?? data.districts),
    districtMetric: data.district_metric || data.by_district_label || '',
  }
}

// --- trends (GET /stats/trends) --------------------------------------------------------------------------

export const TREND_METRICS = [
  { value: 'visits', label: '现场执业（有效签到）' },
  { value: 'projects', label: '新登记项目' },
  { value: 'warnings', label: '预警' },
  { value: 'documents', label: '生效的书面结论文件' },
  { value: 'practitioners', label: '新入职从业人员' },
  { value: 'organizations', label: '新核准机构' },
  { value: 'penalties', label: '行政处罚' },
  { value: 'ratings', label: '委托单位平均评分' },
]

/** An ECharts option for a trend answer {label, unit, months, series: [{key, label, values}]}. */
export function trendOption(trend, { type = 'line' } = {}) {
  const months = trend?.months || []
  const series = (trend?.series || []).map((s) => ({
    name: s.label,
    type,
    smooth: type === 'line',
    stack: type === 'bar' && trend.series.length > 1 ? 'total' : undefined,
    connectNulls: false,
    data: s.values,
  }))
  return {
    grid: { left: 48, right: 16, top: series.length > 1 ? 56 : 32, bottom: 28 },
    legend: series.length > 1 ? { type: 'scroll', top: 0 } : undefined,
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: months.map((m) => `${Number(m.slice(5))}月`) },
    yAxis: { type: 'value', name: trend?.unit || '', minInterval: trend?.metric === 'ratings' ? undefined : 1 },
    series,
  }
}

/** The total of a trend's last month (the headline next to the chart). */
export function latestTotal(trend) {
  const last = (trend?.months?.length || 0) - 1
  if (last < 0) return null
  let sum = null
  for (const s of trend.series || []) {
    const v = s.values?.[last]
    if (typeof v === 'number') sum = (sum ?? 0) + v
  }
  return sum
}

/** Whether the browser can draw a canvas chart (not in tests' happy-dom): charts are left out where it cannot. */
export function canvasSupported() {
  try {
    return Boolean(document.createElement('canvas').getContext('2d'))
  } catch {
    return false
  }
}
