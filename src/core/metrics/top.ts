/**
 * The `n` largest items of an iterable by a score, in one pass and without
 * sorting everything: a small array kept in order, so picking the ten most
 * behind of 100,000 subscribers costs one comparison for almost each.
 */
export function topN<T>(items: Iterable<T>, n: number, score: (x: T) => number, accept: (x: T) => boolean = () => true): T[] {
  const best: { item: T; score: number }[] = [];
  if (n <= 0) return [];
  for (const item of items) {
    if (!accept(item)) continue;
    const s = score(item);
    if (best.length === n && s <= best[n - 1]!.score) continue;
    let i = best.length < n ? best.length : n - 1;
    if (best.length < n) best.push({ item, score: s });
    else best[i] = { item, score: s };
    while (i > 0 && best[i - 1]!.score < s) {
      const t = best[i - 1]!;
      best[i - 1] = best[i]!;
      best[i] = t;
      i--;
    }
  }
  return best.map((b) => b.item);
}
