// The drawing pad: black round strokes on a transparent canvas, so the ink is the alpha channel.
// One pointer at a time (mouse, touch or pen), captured so a stroke may leave the canvas.

const LINE_WIDTH = 20; // canvas pixels on a 280-pixel pad: MNIST's stroke after scaling

// Client coordinates -> canvas pixels; the CSS size may differ from the 280x280 backing store.
function canvasPoint(canvas, e) {
  const r = canvas.getBoundingClientRect();
  return [
    (e.clientX - r.left - canvas.clientLeft) * (canvas.width / canvas.clientWidth),
    (e.clientY - r.top - canvas.clientTop) * (canvas.height / canvas.clientHeight),
  ];
}

function ink(ctx, from, to) {
  ctx.strokeStyle = '#000';
  ctx.lineWidth = LINE_WIDTH;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(from[0], from[1]);
  ctx.lineTo(to[0], to[1]);
  ctx.stroke();
}

// `onChange(what)` after every change: 'draw' (a stroke grew), 'end' (a stroke ended), 'clear'.
export function createPad(canvas, onChange) {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let active = null; // the pointerId drawing now
  let last = null;

  canvas.addEventListener('pointerdown', (e) => {
    if (active !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    active = e.pointerId;
    canvas.setPointerCapture(e.pointerId);
    last = canvasPoint(canvas, e);
    ink(ctx, last, last); // a tap leaves a dot
    onChange('draw');
  });

  canvas.addEventListener('pointermove', (e) => {
    if (e.pointerId !== active) return;
    // Coalesced events keep fast pen and touch strokes smooth between animation frames.
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = canvasPoint(canvas, ev);
      ink(ctx, last, p);
      last = p;
    }
    onChange('draw');
  });

  function end(e) {
    if (e.pointerId !== active) return;
    active = null;
    last = null;
    onChange('end');
  }
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'])
    canvas.addEventListener(type, end);

  return {
    get drawing() {
      return active !== null;
    },
    clear() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      active = null;
      last = null;
      onChange('clear');
    },
    pixels: () => ctx.getImageData(0, 0, canvas.width, canvas.height),
  };
}
