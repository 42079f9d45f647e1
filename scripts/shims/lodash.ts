/**
 * The one lodash function the bundled code calls (`_.sortBy` in the Huawei Cloud SDK's
 * `AKSKSigner`), so the function's bundle does not carry all of lodash (~80 KiB). esbuild aliases
 * `lodash` to this file for the deployed bundles only; `tests/unit/shims.test.ts` compares it with
 * lodash itself.
 */
export function sortBy<T>(items: readonly T[], iteratee: (item: T) => string | number): T[] {
  return items
    .map((item, index) => ({ item, index, key: iteratee(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index))
    .map((entry) => entry.item);
}
