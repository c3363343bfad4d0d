const { freshWx, render, text, tap, pledge } = require('./pages')
const { settle } = require('./wx-stub')
const answers = require('./answers')

function filingPage(wx, filing) {
  wx.storage.token = 'TOKEN-1'
  wx.on('GET /filings/F-1', { statusCode: 200, data: filing })
  wx.on('GET /wechat/subscriptions', { statusCode: 200, data: answers.subscriptions })
  const page = render('filing')
  page.instance.onLoad({ id: 'F-1' })
  return page
}

test('a draft offers 表一 on the web, the uploads and submit', async () => {
  const wx = freshWx()
  const page = filingPage(wx, answers.filing('draft'))
  await settle()
  expect(text(page, '#status')).toBe('状态：草稿')
  expect(page.querySelectorAll('.upload')).toHaveLength(1) // the filing holds 表一 + 表二
  expect(page.querySelector('#receipt')).toBeFalsy()
  tap(page, '#table1')
  await settle()
  expect(wx.called('navigateTo')).toEqual([{ url: '/pages/web/web?path=%2Femployer%2Ffilings%2FF-1%2Ftable1' }])
})

test('表二 from a chat file: presigned POST with progress, then the import result', async () => {
  const wx = freshWx()
  const page = filingPage(wx, answers.filing('draft'))
  await settle()
  wx.on('POST /filings/F-1/uploads', { statusCode: 201, data: answers.uploadStarted })
  wx.on('GET /filings/F-1/uploads/U-1', { statusCode: 200, data: answers.uploadDone })
  const progress = []
  const setData = page.instance.setData.bind(page.instance)
  page.instance.setData = (d) => { if ('progress' in d) progress.push(d.progress); setData(d) }
  page.querySelectorAll('.upload')[0].dispatchEvent('tap')
  await settle()
  expect(wx.called('chooseMessageFile')[0]).toMatchObject({ count: 1, type: 'file', extension: ['xlsx', 'xls', 'csv'] })
  expect(wx.requests.find((r) => r.path === '/filings/F-1/uploads')).toMatchObject({ method: 'POST', body: { table: 'table2', filename: '名册.xlsx' } })
  const upload = wx.called('uploadFile')[0]
  expect(upload).toMatchObject({ url: answers.uploadStarted.url, filePath: 'wxfile://tmp/roster.xlsx', name: 'file', formData: answers.uploadStarted.fields })
  expect(progress).toEqual([0, 50, 100, null])
  expect(text(page, '#result')).toBe('已导入1行')
})

test('an upload with errors shows the first problems by row and column', async () => {
  const wx = freshWx()
  const page = filingPage(wx, answers.filing('draft'))
  await settle()
  wx.on('POST /filings/F-1/uploads', { statusCode: 201, data: answers.uploadStarted })
  wx.on('GET /filings/F-1/uploads/U-1', { statusCode: 200, data: { ...answers.uploadDone, status: 'failed', rows_done: 0, message: '名册有1处错误，请修改后重新上传', errors: [{ row: 3, column: '性别', field: 'gender', message: '性别与身份证号码不符' }] } })
  page.querySelectorAll('.upload')[0].dispatchEvent('tap')
  await settle()
  expect(text(page, '#result')).toBe('名册有1处错误，请修改后重新上传\n第3行 性别：性别与身份证号码不符')
})

test('submit, then subscribe from the tap, then the receipt opens as a PDF', async () => {
  const wx = freshWx()
  const page = filingPage(wx, answers.filing('draft'))
  await settle()
  const submitted = answers.filing('submitted', { history: answers.submittedHistory })
  wx.on('POST /filings/F-1/submit', { statusCode: 200, data: submitted })
  wx.on('GET /filings/F-1', { statusCode: 200, data: submitted })
  tap(page, '#submit')
  await settle()
  expect(wx.requests.filter((r) => r.path === '/filings/F-1/submit')).toEqual([]) // not before the 承诺
  pledge(page)
  tap(page, '#submit')
  await settle()
  expect(wx.requests.find((r) => r.path === '/filings/F-1/submit').body).toEqual({ declaration_accepted: true })
  expect(text(page, '#result')).toBe('已提交，回执号 BA-140105-2025-000001')
  expect(text(page, '#receipt-no')).toBe('回执号 BA-140105-2025-000001')
  expect(page.querySelectorAll('.history')[0].dom.textContent).toContain('提交')
  expect(wx.called('requestSubscribeMessage')).toEqual([]) // never without the filer's tap

  Object.assign(wx.subscribeAnswer, { 'TPL-RESULT': 'accept', 'TPL-REMIND': 'reject' })
  wx.on('POST /wechat/subscriptions', { statusCode: 200, data: { ...answers.subscriptions, accepted: { review_result: 1, deadline_reminder: 0 } } })
  tap(page, '#subscribe')
  await settle()
  expect(wx.called('requestSubscribeMessage')[0].tmplIds).toEqual(['TPL-RESULT', 'TPL-REMIND'])
  expect(wx.requests.find((r) => r.path === '/wechat/subscriptions' && r.method === 'POST').body).toEqual({ template_ids: ['TPL-RESULT'] })
  expect(text(page, '#subscribed')).toBe('已订阅，审核结果将通过微信通知您。')

  tap(page, '#receipt')
  await settle()
  expect(wx.called('downloadFile')[0]).toMatchObject({ url: 'https://ba.example.cn/api/v1/filings/F-1/receipt', header: { Authorization: 'Bearer TOKEN-1' } })
  expect(wx.called('openDocument')[0]).toMatchObject({ filePath: 'wxfile://tmp/receipt.pdf', fileType: 'pdf' })
})

test('a refused submit shows the API message and nothing changes', async () => {
  const wx = freshWx()
  const page = filingPage(wx, answers.filing('draft'))
  await settle()
  wx.on('POST /filings/F-1/submit', { statusCode: 422, data: { error: { code: 'validation_failed', message: '请先填写表一', details: [] } } })
  pledge(page)
  tap(page, '#submit')
  await settle()
  expect(wx.called('showModal').map((m) => m.content)).toEqual(['请先填写表一'])
  expect(text(page, '#status')).toBe('状态：草稿')
  expect(page.querySelector('#subscribe')).toBeFalsy()
})
