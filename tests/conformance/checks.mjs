// SPDX-License-Identifier: MIT
// What the Node scenarios share: named checks that stop at the first failure, and the closing
// "N passed, M failed" line ctest's output is read for.
let passed = 0;
let onFailure = () => {};

/// Runs after a failed check, before the process exits (closing a client, say).
export function beforeExit(fn) {
  onFailure = fn;
}

export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    console.log(`FAILED - ${name}: ${e.stack || e}`);
    console.log(`${passed} passed, 1 failed`);
    onFailure();
    process.exit(1);
  }
}

export function done() {
  console.log(`${passed} passed, 0 failed`);
}
