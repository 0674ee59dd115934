// Written by `nox -s pin` (tools/pin.py): the pinned model.json, for
// fetch(url, { integrity: weights.integrity }); release_check compares it with it.
export const weights = {
  version: '1.1.0',
  integrity: 'sha256-jx2tik4aPCxnGf5WPyfsdRwVmz8OVmLZ1wRIAeIZVEc=',
  bytes: 149461,
};
