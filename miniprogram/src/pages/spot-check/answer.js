/**
 * The page the spot-check subscribe message opens (backend: supervision/spot_checks.py
 * MINI_PROGRAM_ANSWER_PAGE = "pages/spot-check/answer?id=N"). It lives in the main package so the message
 * can open it directly; the answer page itself is in the practitioner subpackage.
 */
Component({
  data: {},
  methods: {
    onLoad(query) {
      const id = Number(query && query.id)
      const url = '/practitioner/pages/spot-check/index' + (id ? '?id=' + id : '')
      wx.redirectTo({ url, fail: () => wx.reLaunch({ url }) })
    },
  },
})
