const { freshWx, render } = require('./pages')
const { settle } = require('./wx-stub')

test('the web-view opens the site page asked for, signed in by a single-use ticket', async () => {
  const wx = freshWx()
  wx.storage.token = 'TOKEN-1'
  wx.on('POST /auth/wechat/web-ticket', { statusCode: 200, data: { ticket: 'T.1', expires_in: 60 } })
  const page = render('web')
  page.instance.onLoad({ path: encodeURIComponent('/employer/filings/F-1/table1') })
  await settle()
  expect(page.instance.data.url).toBe('https://ba.example.cn/wechat/web?ticket=T.1&next=%2Femployer%2Ffilings%2FF-1%2Ftable1')
  expect(page.querySelector('#web')).toBeTruthy()
})

test('without a ticket it opens the page itself, and without a path the employer home', async () => {
  const wx = freshWx()
  wx.on('POST /auth/wechat/web-ticket', { statusCode: 409, data: { error: { code: 'conflict', message: '请在微信小程序中登录后再打开网页', details: [] } } })
  const page = render('web')
  page.instance.onLoad({})
  await settle()
  expect(page.instance.data.url).toBe('https://ba.example.cn/employer')
})
