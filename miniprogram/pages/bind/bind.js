const api = require('../../utils/api')

Component({
  data: { username: '', password: '', busy: false },
  methods: {
    onInput(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value })
    },
    bind() {
      if (this.data.busy) return null
      this.setData({ busy: true })
      return api.request('POST', '/auth/wechat/bind', {
        bind_token: wx.getStorageSync('bind_token'),
        username: this.data.username.trim(),
        password: this.data.password,
      }).then((body) => {
        wx.setStorageSync('token', body.token)
        wx.removeStorageSync('bind_token')
        wx.reLaunch({ url: '/pages/home/home' })
      }).catch((error) => {
        this.setData({ busy: false, password: '' })
        if (error.status === 401 && error.message.indexOf('绑定已过期') === 0) wx.reLaunch({ url: '/pages/login/login' })
      })
    },
    forgot() {
      api.openWeb('/password-reset')
    },
  },
})
