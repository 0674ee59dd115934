// The original engine, kept as the benchmarks' yardstick: for each output j, sum over inputs i of
// x[i] * W[i*O + j], float32 W. `baseline(json)` is its load (dequantization), and returns its
// predict.
export function baseline(json) {
  const layers = json.layers.map((L) => {
    const q = atob(L.weights),
      W = new Float32Array(L.inputs * L.outputs);
    for (let k = 0; k < W.length; k++)
      W[k] = ((q.charCodeAt(k) << 24) >> 24) * (L.scales ? L.scales[k % L.outputs] : L.scale);
    return { I: L.inputs, O: L.outputs, W, b: L.bias, relu: L.activation === 'relu' };
  });
  return function predict(x) {
    let a = x;
    for (const { I, O, W, b, relu } of layers) {
      const z = new Float64Array(O);
      for (let j = 0; j < O; j++) {
        let s = b[j];
        for (let i = 0; i < I; i++) s += a[i] * W[i * O + j];
        z[j] = relu && s < 0 ? 0 : s;
      }
      a = z;
    }
    const m = Math.max(...a),
      e = a.map((v) => Math.exp(v - m)),
      sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  };
}
