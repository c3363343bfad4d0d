const { freshWx, render } = require('./pages')

test('the web-view shows the site page asked for, on the one base URL', () => {
  freshWx()
  const page = render('web')
  page.instance.onLoad({ path: encodeURIComponent('/employer/filings/F-1/table1') })
  expect(page.instance.data.url).toBe('https://ba.example.cn/employer/filings/F-1/table1')
  expect(page.querySelector('#web')).toBeTruthy()
})

test('without a path it opens the employer home', () => {
  freshWx()
  const page = render('web')
  page.instance.onLoad({})
  expect(page.instance.data.url).toBe('https://ba.example.cn/employer')
})
