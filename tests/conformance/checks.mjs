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

/// The error `promise` is refused with; fails the check when it is not refused.
export async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a refusal');
}

/// A query's rows through the REST client `bq`.
export async function queryRows(bq, sql) {
  const [r] = await bq.query({ query: sql });
  return r;
}
