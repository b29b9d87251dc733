/** "Did you mean …?" for a VM name not found: the known names within a small edit distance. */

/** Levenshtein distance, case-insensitive (Azure VM names are). */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** Up to three names within a third of the name's length (at least 1, at most 3 edits), closest first. */
export function closeNames(name: string, known: string[]): string[] {
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  return [...new Set(known)]
    .map((candidate) => ({ candidate, d: distance(name, candidate) }))
    .filter(({ d }) => d > 0 && d <= limit)
    .sort((a, b) => a.d - b.d || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}
