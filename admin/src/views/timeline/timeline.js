// The timeline page's subject (from the URL) and the API path of its events.

export const KINDS = [
  { value: 'organization', label: '机构', path: 'organizations' },
  { value: 'practitioner', label: '从业人员', path: 'practitioners' },
  { value: 'project', label: '项目', path: 'projects' },
]

/** {kind, id} from ?kind=…&id=…, or null when either is missing or malformed. */
export function subjectFromQuery(query = {}) {
  const kind = KINDS.find((k) => k.value === query.kind)
  const id = /^\d+$/.test(String(query.id ?? '')) ? Number(query.id) : null
  return kind && id ? { kind: kind.value, id } : null
}

export function timelinePath(subject) {
  if (!subject) return ''
  const kind = KINDS.find((k) => k.value === subject.kind)
  return `/timeline/${kind.path}/${subject.id}`
}

export function visitDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—'
  const h = Math.floor(seconds / 3600)
  const m = Math.round((seconds % 3600) / 60)
  return h ? `${h} 小时 ${m} 分` : `${m} 分钟`
}
