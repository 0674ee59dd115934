// The statistics the benchmarks report, defined once.

// The median: the middle value, or the mean of the two middle values of an even count.
export function median(xs) {
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
