// The one page interface of the e2e harness (browsers.mjs), built on each driver's own goto,
// evaluate and perform (W3C action lists): strokes, clicks, keys and waiting, written once.

export function makePage({ goto, evaluate, perform, ...rest }) {
  // Each stroke: move to its first point, press, move through the rest, release. Points go in
  // whole CSS pixels, which every driver takes (WebDriver classic wants integers).
  async function strokes(list, pointerType = 'mouse') {
    const move = ([x, y]) => ({ type: 'pointerMove', x: Math.round(x), y: Math.round(y) });
    for (const [first, ...more] of list) {
      const actions = [
        move(first),
        { type: 'pointerDown', button: 0 },
        ...more.map(move),
        { type: 'pointerUp', button: 0 },
      ];
      await perform([{ type: 'pointer', id: pointerType, parameters: { pointerType }, actions }]);
    }
  }
  const key = (type, value) => ({ type, value: KEYS[value] ?? value });
  return {
    ...rest,
    goto,
    evaluate,
    strokes,
    actions: perform, // raw W3C action sequences, for what strokes() does not cover
    click: (point) => strokes([[point]]),
    press: (name) =>
      perform([
        { type: 'key', id: 'keyboard', actions: [key('keyDown', name), key('keyUp', name)] },
      ]),
    async waitFor(fn, arg, timeout = 15_000) {
      const end = Date.now() + timeout;
      while (!(await evaluate(fn, arg))) {
        if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${fn}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

const KEYS = { Escape: '\uE00C', Enter: '\uE007' };
