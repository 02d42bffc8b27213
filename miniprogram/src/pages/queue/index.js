/** The offline queue in full: what is waiting, why, and what the server refused. */
const queue = require('../../utils/offline-queue')

Component({
  methods: {
    onShow() {
      queue.flush()
    },
  },
})
