/**
 * Wraps a pure function so that calling it again with the same argument (`same`, by default
 * `Object.is`) returns the last result instead of computing it again. articles answers every
 * caller with the same list, so web-api checks and renders each distinct answer once rather than
 * once per request; an answer that differs is computed afresh, and a call that throws is not
 * remembered.
 */
export function memoizeLast<Argument, Result>(
  compute: (argument: Argument) => Result,
  same: (last: Argument, next: Argument) => boolean = Object.is,
): (argument: Argument) => Result {
  let last: { argument: Argument; result: Result } | undefined;
  return (argument) => {
    if (last === undefined || !same(last.argument, argument)) {
      last = { argument, result: compute(argument) };
    }
    return last.result;
  };
}
