// When a view reads again: at once when the store changed (its generation), at most every trafficMs when only the
// traffic log grew (the audit's observed-traffic rules read it), and every settleMs while what it shows is still
// settling (states derived from time — pending endpoints, operations in progress — change with no write at all).

export function refresher(app, reload, { trafficMs = 0, settleMs = 1000 } = {}) {
  let generation = app.generation;
  let last = app.last;
  let timer = null;
  let lastRun = Date.now();
  let settling = null;

  function run() {
    clearTimeout(timer);
    timer = null;
    lastRun = Date.now();
    reload();
  }

  app.on("state", (state) => {
    if (state.generation !== generation) {
      generation = state.generation;
      last = state.last;
      run();
    } else if (trafficMs && state.last !== last) {
      last = state.last;
      if (!timer) timer = setTimeout(run, Math.max(0, lastRun + trafficMs - Date.now()));
    }
  });

  return {
    /** Call after each read: with true, read again in settleMs (something is still changing by itself). */
    settling(yes) {
      clearTimeout(settling);
      settling = yes ? setTimeout(reload, settleMs) : null;
    },
    /** The generation the view has read (a read of its own may be newer than the last event). */
    seen(value) {
      if (value !== undefined && value !== null) generation = String(value);
    },
  };
}
