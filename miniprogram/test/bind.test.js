const { freshWx, render, tap } = require('./pages')
const { settle } = require('./wx-stub')
const answers = require('./answers')

function type(page, selector, value) {
  page.querySelector(selector).dispatchEvent('input', { detail: { value } })
}

test('binding signs in once with the USCC and password and goes home', async () => {
  const wx = freshWx()
  wx.storage.bind_token = 'BIND-1'
  wx.on('POST /auth/wechat/bind', { statusCode: 200, data: answers.session })
  const page = render('bind')
  type(page, '#username', ` ${answers.USCC} `)
  type(page, '#password', 'Passw0rd!26')
  tap(page, '#bind')
  await settle()
  expect(wx.requests[0]).toMatchObject({ method: 'POST', path: '/auth/wechat/bind', body: { bind_token: 'BIND-1', username: answers.USCC, password: 'Passw0rd!26' } })
  expect(wx.storage.token).toBe('TOKEN-1')
  expect(wx.storage.bind_token).toBeUndefined()
  expect(wx.called('reLaunch')).toEqual([{ url: '/pages/home/home' }])
})

test('a wrong password shows the server message and clears the field', async () => {
  const wx = freshWx()
  wx.storage.bind_token = 'BIND-1'
  wx.on('POST /auth/wechat/bind', { statusCode: 401, data: { error: { code: 'unauthenticated', message: '账号或密码错误', details: [] } } })
  const page = render('bind')
  type(page, '#username', answers.USCC)
  type(page, '#password', 'wrong')
  tap(page, '#bind')
  await settle()
  expect(wx.called('showModal').map((m) => m.content)).toEqual(['账号或密码错误'])
  expect(page.instance.data.password).toBe('')
  expect(wx.called('reLaunch')).toEqual([])
})

test('an expired bind token goes back to the sign-in; forgot password opens the web page', async () => {
  const wx = freshWx()
  wx.on('POST /auth/wechat/bind', { statusCode: 401, data: { error: { code: 'unauthenticated', message: '绑定已过期，请重新打开小程序登录', details: [] } } })
  const page = render('bind')
  tap(page, '#bind')
  await settle()
  expect(wx.called('reLaunch')).toEqual([{ url: '/pages/login/login' }])
  tap(page, '#forgot')
  await settle()
  expect(wx.called('navigateTo')).toEqual([{ url: '/pages/web/web?path=%2Fpassword-reset' }])
})
