'use strict';

/**
 * Delay calls to `fn` until `wait` milliseconds have passed without a new call.
 * Useful for search boxes that should not query the server on every key press.
 */
function debounce(fn, wait = 200, { leading = false } = {}) {
  let timer = null;
  let lastArgs = null;

  function debounced(...args) {
    lastArgs = args;
    const callNow = leading && timer === null;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (!leading) {
        fn.apply(this, lastArgs);
      }
    }, wait);
    if (callNow) {
      fn.apply(this, args);
    }
  }

  debounced.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };

  return debounced;
}

/**
 * Allow at most one call to `fn` every `interval` milliseconds.
 */
function throttle(fn, interval = 100) {
  let last = 0;
  return function throttled(...args) {
    const now = Date.now();
    if (now - last >= interval) {
      last = now;
      return fn.apply(this, args);
    }
    return undefined;
  };
}

module.exports = { debounce, throttle };
