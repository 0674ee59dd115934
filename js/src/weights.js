// Written by `nox -s pin` (tools/pin.py): the pinned model.json, for
// fetch(url, { integrity: weights.integrity }); release_check compares it with it.
export const weights = {
  version: '2.0.0',
  integrity: 'sha256-LD8l8JRhDOqkwHaAz8xEIm/iQPS0yLE+WKyDWTL1rD0=',
  bytes: 78907,
};
