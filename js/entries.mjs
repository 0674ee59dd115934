// The engine's two entries, named once for every JS tool that runs both: the core
// (@digitnet/engine, src/index.js, which computes in JS: backend 'js') and the WebAssembly entry
// (@digitnet/engine/wasm, src/wasm.js: backend 'wasm', as its info.backend says when the kernel
// runs). The parity harness and its mutants, the size script and its test, the e2e tests and the
// Deno check loop over this table; the Python half of parity takes the backend names from the JS
// half's manifest. package.json's "exports" map the same two files (package.test.js checks).
export const ENTRIES = {
  core: { file: 'index.js', backend: 'js', exportPath: '.' },
  wasm: { file: 'wasm.js', backend: 'wasm', exportPath: './wasm' },
};

// backend -> entry file, as the parity harness and its mutants name them.
export const BACKENDS = Object.fromEntries(
  Object.values(ENTRIES).map(({ backend, file }) => [backend, file]),
);
