// Which districts of the map a jurisdiction covers. District detachments cover their district; the corps
// covers the city; the special detachments cover an area or a network, not a district.

export const DISTRICT_CODES = [
  '310101', '310104', '310105', '310106', '310107', '310109', '310110', '310112',
  '310113', '310114', '310115', '310116', '310117', '310118', '310120', '310151',
]

const SPECIAL = {
  // 上海化学工业区 straddles the Jinshan / Fengxian border on Hangzhou Bay.
  chem: { codes: ['310116', '310120'], note: '上海化学工业区位于金山区与奉贤区交界处，地图标出所跨两区。' },
  water: { codes: [], note: '水上支队按水域管辖（黄浦江、长江口及内河航道），不对应单个行政区。' },
  rail: { codes: [], note: '轨道交通支队按线网管辖（全市轨道交通线路与车站），不对应单个行政区。' },
}

export function jurisdictionArea(jurisdiction) {
  if (!jurisdiction) return { codes: [], note: '' }
  if (jurisdiction === 'corps') return { codes: [...DISTRICT_CODES], note: '总队管辖全市 16 个区及专业支队辖区。' }
  if (SPECIAL[jurisdiction]) return { ...SPECIAL[jurisdiction], codes: [...SPECIAL[jurisdiction].codes] }
  if (DISTRICT_CODES.includes(jurisdiction)) return { codes: [jurisdiction], note: '' }
  return { codes: [], note: '' }
}

/** District adcode from a feature of the bundled GeoJSON (`gb` is "156" + adcode). */
export function featureCode(feature) {
  const gb = String(feature?.properties?.gb || '')
  return gb.startsWith('156') ? gb.slice(3) : gb
}
