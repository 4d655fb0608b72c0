/** Bounds of the `amount` query parameter of `GET /articles`. */
export const AMOUNT_MIN = 1;
export const AMOUNT_MAX = 100;

export type AmountResult =
  { ok: true; amount: number | undefined } | { ok: false; message: string };

/**
 * Parses `?amount=N`: absent means "all", otherwise a decimal integer in 1..100 given once.
 *
 * @example
 * ```ts
 * parseAmount('3') // { ok: true, amount: 3 }
 * parseAmount('0') // { ok: false, message: 'amount must be an integer in 1..100' }
 * ```
 */
export function parseAmount(raw: unknown): AmountResult {
  if (raw === undefined) return { ok: true, amount: undefined };
  if (typeof raw !== 'string') return { ok: false, message: 'amount must be given once' };
  const amount = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (amount >= AMOUNT_MIN && amount <= AMOUNT_MAX) return { ok: true, amount };
  return { ok: false, message: `amount must be an integer in ${AMOUNT_MIN}..${AMOUNT_MAX}` };
}
