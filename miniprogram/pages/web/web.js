const { BASE_URL } = require('../../config')

// The responsive web in a web-view, for what the native pages do not cover (表一, rows online, corrections …).
// Only the site's own pages: the path is appended to the one base URL.
Component({
  data: { url: '' },
  methods: {
    onLoad(options) {
      const path = decodeURIComponent(options.path || '/employer')
      this.setData({ url: BASE_URL + (path.startsWith('/') ? path : `/${path}`) })
    },
  },
})
