const api = require('../../utils/api')

// The responsive web in a web-view, for what the native pages do not cover (表一, rows online, corrections …).
// Only the site's own pages: the path goes after the one base URL. Signed in with the mini-program's session
// through a single-use ticket (POST /auth/wechat/web-ticket); without one the web page asks to sign in.
Component({
  data: { url: '' },
  methods: {
    onLoad(options) {
      const raw = decodeURIComponent(options.path || '/employer')
      const path = raw.startsWith('/') ? raw : `/${raw}`
      return api.request('POST', '/auth/wechat/web-ticket')
        .then((answer) => `${api.BASE_URL}/wechat/web?ticket=${encodeURIComponent(answer.ticket)}&next=${encodeURIComponent(path)}`)
        .catch(() => api.BASE_URL + path)
        .then((url) => this.setData({ url }))
    },
  },
})
