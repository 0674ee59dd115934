// Handwritten digits as pen strokes, for the end-to-end test to draw with real mouse events.
// A digit is a list of strokes in a unit box (x right, y down); a drawing places it in a box
// on the 280x280 pad with a slant, as a right-handed writer would.

const lerp = (a, b, t) => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];

// Curve pieces: functions of t in [0, 1].
const line = (a, b) => (t) => lerp(a, b, t);
const cubic = (p0, p1, p2, p3) => (t) => {
  const u = 1 - t;
  return [0, 1].map(
    (k) => u * u * u * p0[k] + 3 * u * u * t * p1[k] + 3 * u * t * t * p2[k] + t * t * t * p3[k],
  );
};
const ellipse = (cx, cy, rx, ry, a0, a1) => (t) => {
  const a = a0 + (a1 - a0) * t;
  return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)];
};

export const DIGITS = {
  // one loop, counter-clockwise from the top, closing with a small overlap
  0: [[ellipse(0.5, 0.5, 0.34, 0.47, -Math.PI / 2 - 0.2, -Math.PI / 2 - 2 * Math.PI - 0.1)]],
  // a single down stroke, slightly curved
  1: [[cubic([0.55, 0.02], [0.52, 0.35], [0.5, 0.65], [0.47, 0.98])]],
  // top bowl into the waist, bottom bowl out to the left
  3: [
    [
      cubic([0.15, 0.2], [0.3, 0.0], [0.85, 0.0], [0.78, 0.25]),
      cubic([0.78, 0.25], [0.73, 0.42], [0.55, 0.46], [0.4, 0.47]),
      cubic([0.4, 0.47], [0.75, 0.46], [0.92, 0.62], [0.84, 0.8]),
      cubic([0.84, 0.8], [0.75, 1.0], [0.3, 1.02], [0.12, 0.84]),
    ],
  ],
  // a hook over the top, the diagonal, the base
  2: [
    [
      cubic([0.12, 0.28], [0.18, -0.02], [0.85, -0.04], [0.82, 0.3]),
      cubic([0.82, 0.3], [0.78, 0.52], [0.32, 0.75], [0.08, 0.95]),
      line([0.08, 0.95], [0.92, 0.92]),
    ],
  ],
  // an open 4: down-left then across, and the long down stroke
  4: [
    [line([0.28, 0.0], [0.08, 0.58]), line([0.08, 0.58], [0.92, 0.58])],
    [line([0.7, 0.12], [0.66, 1.0])],
  ],
  // the neck and the belly in one stroke, then the flag
  5: [
    [
      line([0.28, 0.04], [0.22, 0.46]),
      cubic([0.22, 0.46], [0.55, 0.3], [0.98, 0.48], [0.86, 0.76]),
      cubic([0.86, 0.76], [0.76, 1.0], [0.3, 1.02], [0.1, 0.86]),
    ],
    [line([0.28, 0.04], [0.88, 0.03])],
  ],
  // down the back from the top right, round the bottom and close the loop
  6: [
    [
      cubic([0.78, 0.02], [0.35, 0.15], [0.1, 0.55], [0.18, 0.8]),
      cubic([0.18, 0.8], [0.28, 1.02], [0.8, 1.02], [0.84, 0.76]),
      cubic([0.84, 0.76], [0.88, 0.5], [0.42, 0.42], [0.2, 0.66]),
    ],
  ],
  // the bar, then the long diagonal
  7: [
    [line([0.08, 0.08], [0.9, 0.06]), cubic([0.9, 0.06], [0.7, 0.35], [0.55, 0.65], [0.45, 0.98])],
  ],
  // a figure of eight in one stroke: top loop to the left, cross, bottom loop, back up
  8: [
    [
      (t) => {
        const a = 0.3 + t * (2 * Math.PI + 0.35);
        return [
          0.5 - 0.4 * Math.sin(2 * a) * (Math.cos(a) > 0 ? 0.85 : 1),
          0.5 - 0.48 * Math.cos(a),
        ];
      },
    ],
  ],
  // the head anticlockwise from its right side, then the stem down from there
  9: [
    [
      ellipse(0.5, 0.28, 0.32, 0.26, 0, -2 * Math.PI),
      cubic([0.82, 0.28], [0.8, 0.55], [0.76, 0.8], [0.72, 1.0]),
    ],
  ],
};

// Each drawing: the digit, and where on the pad (pad pixels, 0..280) its unit box goes.
export const DRAWINGS = [
  { name: 'zero', digit: 0, box: [80, 45, 130, 190] },
  { name: 'one', digit: 1, box: [110, 40, 60, 200] },
  { name: 'three', digit: 3, box: [85, 40, 120, 200] },
  { name: 'seven', digit: 7, box: [75, 45, 140, 190] },
  { name: 'small-four-off-centre', digit: 4, box: [16, 16, 62, 80] },
  { name: 'large-eight', digit: 8, box: [40, 6, 200, 268] },
  { name: 'two', digit: 2, box: [70, 60, 150, 160] },
  { name: 'five', digit: 5, box: [90, 50, 120, 180] },
  { name: 'six', digit: 6, box: [140, 110, 100, 150] },
  { name: 'nine', digit: 9, box: [85, 40, 110, 200] },
];

// Strokes -> lists of pad points about `spacing` pixels apart, slanted by `slant`.
export function strokePoints({ digit, box: [bx, by, bw, bh] }, { spacing = 3, slant = 0.12 } = {}) {
  return DIGITS[digit].map((pieces) => {
    const pts = [];
    for (const f of pieces) {
      // sample finely, then keep points `spacing` apart along the path
      for (let i = 0; i <= 400; i++) {
        const [u, v] = f(i / 400);
        const p = [bx + (u + slant * (0.5 - v)) * bw, by + v * bh];
        const q = pts[pts.length - 1];
        if (!q || Math.hypot(p[0] - q[0], p[1] - q[1]) >= spacing || i === 400) pts.push(p);
      }
    }
    return pts;
  });
}
