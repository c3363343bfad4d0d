const { freshWx, render, text, tap } = require('./pages')
const { settle } = require('./wx-stub')
const answers = require('./answers')

function home(wx, filings) {
  wx.storage.token = 'TOKEN-1'
  wx.on('GET /me', { statusCode: 200, data: answers.me })
  wx.on('GET /filings', { statusCode: 200, data: { items: filings, next_page_token: null } })
  const page = render('home')
  page.instance.onShow()
  return page
}

test('the home page lists the filings with what to do next', async () => {
  const wx = freshWx()
  const year = new Date().getFullYear() - 1
  const page = home(wx, [answers.filing('submitted', { year }), answers.filing('draft', { id: 'F-2', year: year - 1 })])
  await settle()
  expect(text(page, '#unit-name')).toBe('太原市某某科技有限公司')
  const rows = page.querySelectorAll('.filing').map((r) => r.dom.textContent)
  expect(rows[0]).toContain(`${year}年度备案`)
  expect(rows[0]).toContain('已提交，等待审核')
  expect(rows[1]).toContain('待填写并提交')
  expect(page.querySelector('#start')).toBeFalsy() // last year is filed
  expect(wx.called('request').every((o) => o.header.Authorization === 'Bearer TOKEN-1')).toBe(true)
  page.querySelectorAll('.filing')[1].dispatchEvent('tap')
  await settle()
  expect(wx.called('navigateTo')).toEqual([{ url: '/pages/filing/filing?id=F-2' }])
})

test('without last year\'s filing it offers to start one', async () => {
  const wx = freshWx()
  const page = home(wx, [])
  await settle()
  expect(text(page, '#empty')).toBe('还没有备案。')
  const year = new Date().getFullYear() - 1
  expect(text(page, '#start')).toBe(`开始填报${year}年度备案`)
  wx.on('POST /filings', { statusCode: 201, data: { id: 'F-9', status: 'draft', version: 1, tables: ['table1', 'table2'] } })
  tap(page, '#start')
  await settle()
  expect(wx.requests.find((r) => r.method === 'POST')).toMatchObject({ path: '/filings', body: { year, kind: 'annual' } })
  expect(wx.called('navigateTo')).toEqual([{ url: '/pages/filing/filing?id=F-9' }])
})

test('an ended session sends the filer back to the sign-in', async () => {
  const wx = freshWx()
  wx.on('GET /me', { statusCode: 401, data: { error: { code: 'unauthenticated', message: '登录已过期或已退出，请重新登录', details: [] } } })
  wx.on('GET /filings', { statusCode: 401, data: { error: { code: 'unauthenticated', message: '登录已过期或已退出，请重新登录', details: [] } } })
  wx.storage.token = 'OLD'
  const page = render('home')
  page.instance.onShow()
  await settle()
  expect(wx.storage.token).toBeUndefined()
  expect(wx.called('reLaunch')[0]).toEqual({ url: '/pages/login/login' })
})

test('unbinding asks first, then signs out of the mini-program', async () => {
  const wx = freshWx()
  const page = home(wx, [])
  await settle()
  wx.on('POST /auth/wechat/unbind', { statusCode: 200, data: { unbound: 1, message: '已解除微信绑定' } })
  tap(page, '#unbind')
  await settle()
  expect(wx.called('showModal')[0].title).toBe('解除微信绑定')
  expect(wx.requests.map((r) => `${r.method} ${r.path}`)).toContain('POST /auth/wechat/unbind')
  expect(wx.storage.token).toBeUndefined()
  expect(wx.called('reLaunch')).toEqual([{ url: '/pages/login/login' }])
  tap(page, '#web')
  await settle()
  expect(wx.called('navigateTo')).toEqual([{ url: '/pages/web/web?path=%2Femployer' }])
})
