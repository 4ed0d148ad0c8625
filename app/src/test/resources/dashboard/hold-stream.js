// Injected by DashboardBrowserTest before the page's own script: the page's EventSource is not opened until
// the test calls window.__releaseStream(), window.__failStream() makes it report a connection error first,
// and window.__inFlight counts the page's unfinished fetches. With these the test puts an action between
// the page's start and its stream's registration on the server: the window in which a page that reads its
// snapshot without a registered stream loses events.
(function () {
  "use strict";
  const Real = window.EventSource;
  const held = [];
  window.__streamRequested = false;
  window.__inFlight = 0;
  window.__fetched = [];
  window.__releaseStream = () => held.splice(0).forEach((h) => h.open());
  window.__failStream = () => held.forEach((h) => h.fail());

  const realFetch = window.fetch.bind(window);
  window.fetch = (...args) => {
    window.__inFlight++;
    window.__fetched.push(String(args[0]));
    return realFetch(...args).finally(() => { window.__inFlight--; });
  };

  // Records what the page attaches and hands it to the real EventSource once released.
  window.EventSource = function (url, init) {
    window.__streamRequested = true;
    let listeners = [];
    const handle = {
      get readyState() { return handle.real ? handle.real.readyState : 0; },
      onopen: null,
      onerror: null,
      onmessage: null,
      addEventListener: (type, fn, options) => (handle.real ? handle.real.addEventListener(type, fn, options)
        : listeners.push([type, fn, options])),
      close: () => { handle.closed = true; if (handle.real) handle.real.close(); },
    };
    held.push({
      fail: () => {
        const e = new Event("error");
        const errors = listeners.filter(([type]) => type === "error");
        listeners = listeners.filter(([type, , options]) => type !== "error" || !(options && options.once));
        errors.forEach(([, fn]) => fn(e));
        if (handle.onerror) handle.onerror(e);
      },
      open: () => {
        if (handle.closed) return;
        const real = new Real(url, init);
        handle.real = real;
        listeners.forEach(([type, fn, options]) => real.addEventListener(type, fn, options));
        real.onopen = (e) => handle.onopen && handle.onopen(e);
        real.onerror = (e) => handle.onerror && handle.onerror(e);
        real.onmessage = (e) => handle.onmessage && handle.onmessage(e);
      },
    });
    return handle;
  };
  Object.assign(window.EventSource, { CONNECTING: 0, OPEN: 1, CLOSED: 2 });
})();
