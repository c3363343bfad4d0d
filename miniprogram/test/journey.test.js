// A filer's whole way through the mini-program, page after page on one wx stub: sign in (bind required), bind,
// start the year's filing, 表一 on the web, upload 表二 from a chat file, submit, subscribe, open the 回执, unbind.
// Its API requests, with the answer fields each page read, are written to test/recorded/journey.json, which
// tests/web/test_miniprogram_contract.py replays against the real app: the client and the API cannot drift.
const fs = require('fs')
const path = require('path')
const { freshWx, render, tap, pledge } = require('./pages')
const { settle } = require('./wx-stub')
const answers = require('./answers')

const YEAR = new Date().getFullYear() - 1
// ids the scripted answers hand out, and what the replay puts in their place
const PLACEHOLDERS = { 'F-1': '{filing_id}', 'U-1': '{upload_id}', 'BIND-1': '{bind_token}', 'WX-CODE-1': '{code}', [answers.USCC]: '{uscc}' }

function generalized(value) {
  if (typeof value === 'string') {
    return Object.entries(PLACEHOLDERS).reduce((s, [id, name]) => s.split(id).join(name), value)
  }
  if (value === YEAR) return '{year}'
  if (Array.isArray(value)) return value.map(generalized)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, generalized(v)]))
  return value
}

function recorded(wx) {
  const web = wx.called('navigateTo').filter((o) => o.url.startsWith('/pages/web/web?path='))
    .map((o) => ({ kind: 'web', path: generalized(decodeURIComponent(o.url.split('path=')[1])) }))
  const requests = wx.requests.map((r) => (r.kind === 'api'
    ? { ...r, path: generalized(r.path), body: generalized(r.body), reads: [...r.reads].sort() }
    : { ...r, path: r.path && generalized(r.path), url: undefined }))
  return { requests, web }
}

test('bind, file, upload, submit, subscribe, receipt, unbind', async () => {
  const wx = freshWx()
  wx.on('POST /auth/wechat', { statusCode: 200, data: { bind_required: true, bind_token: 'BIND-1', message: '首次使用请用单位账号（统一社会信用代码）和密码登录，绑定本微信' } })
  render('login').instance.onLoad()
  await settle()

  wx.on('POST /auth/wechat/bind', { statusCode: 200, data: answers.session })
  const bind = render('bind')
  bind.querySelector('#username').dispatchEvent('input', { detail: { value: answers.USCC } })
  bind.querySelector('#password').dispatchEvent('input', { detail: { value: 'Passw0rd!26' } })
  tap(bind, '#bind')
  await settle()
  expect(wx.storage.token).toBe('TOKEN-1')

  wx.on('GET /me', { statusCode: 200, data: answers.me })
  wx.on('GET /filings', { statusCode: 200, data: { items: [], next_page_token: null } })
  wx.on('POST /filings', { statusCode: 201, data: { id: 'F-1', status: 'draft', version: 1, tables: ['table1', 'table2'] } })
  const home = render('home')
  home.instance.onShow()
  await settle()
  tap(home, '#start')
  await settle()
  expect(wx.called('navigateTo').pop()).toEqual({ url: '/pages/filing/filing?id=F-1' })

  wx.on('GET /filings/F-1', { statusCode: 200, data: answers.filing('draft', { year: YEAR, row_counts: {} }) })
  wx.on('GET /wechat/subscriptions', { statusCode: 200, data: answers.subscriptions })
  const filing = render('filing')
  filing.instance.onLoad({ id: 'F-1' })
  await settle()
  tap(filing, '#table1') // 表一 is filled on the web page (the replay fills it as that page would)
  await settle()
  wx.on('POST /auth/wechat/web-ticket', { statusCode: 200, data: { ticket: 'T.1', expires_in: 60 } })
  render('web').instance.onLoad({ path: encodeURIComponent('/employer/filings/F-1/table1') })
  await settle()

  wx.on('POST /filings/F-1/uploads', { statusCode: 201, data: answers.uploadStarted })
  wx.on('GET /filings/F-1/uploads/U-1', { statusCode: 200, data: answers.uploadDone })
  filing.querySelectorAll('.upload')[0].dispatchEvent('tap')
  await settle()

  const submitted = answers.filing('submitted', { year: YEAR, history: answers.submittedHistory })
  wx.on('POST /filings/F-1/submit', { statusCode: 200, data: submitted })
  wx.on('GET /filings/F-1', { statusCode: 200, data: submitted })
  pledge(filing)
  tap(filing, '#submit')
  await settle()

  Object.assign(wx.subscribeAnswer, { 'TPL-RESULT': 'accept', 'TPL-REMIND': 'accept' })
  wx.on('POST /wechat/subscriptions', { statusCode: 200, data: { ...answers.subscriptions, accepted: { review_result: 1, deadline_reminder: 1 } } })
  tap(filing, '#subscribe')
  await settle()
  tap(filing, '#receipt')
  await settle()
  expect(wx.called('openDocument')).toHaveLength(1)

  wx.on('POST /auth/wechat/unbind', { statusCode: 200, data: { unbound: 1, message: '已解除微信绑定' } })
  tap(home, '#unbind')
  await settle()

  const journey = recorded(wx)
  expect(journey.requests.filter((r) => r.kind === 'api').map((r) => `${r.method} ${r.path}`)).toEqual([
    'POST /auth/wechat', 'POST /auth/wechat/bind', 'GET /me', 'GET /filings', 'POST /filings',
    'GET /filings/{filing_id}', 'GET /wechat/subscriptions', 'POST /auth/wechat/web-ticket',
    'POST /filings/{filing_id}/uploads',
    'GET /filings/{filing_id}/uploads/{upload_id}', 'GET /filings/{filing_id}', 'POST /filings/{filing_id}/submit',
    'GET /filings/{filing_id}', 'POST /wechat/subscriptions', 'POST /auth/wechat/unbind',
  ])
  fs.writeFileSync(path.join(__dirname, 'recorded', 'journey.json'), `${JSON.stringify(journey, null, 2)}\n`)
})
