// How the words people type map onto commands: options before a command move after it, near-misses of command names.

/**
 * Where the command word stands in `args`: the index of the first operand (not an option, not an option's value), or
 * -1 when there is none before the end or a `--`. `takesValue` says whether an option flag (`-o`, `--output`) reads
 * the next word as its value.
 */
export function firstOperandIndex(args: readonly string[], takesValue: (flag: string) => boolean): number {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--') return -1;
    if (arg === '-' || !arg.startsWith('-')) return i;
    if (arg.startsWith('--')) {
      if (!arg.includes('=') && takesValue(arg)) i += 1;
      continue;
    }
    // A cluster of short flags (-qv), the first one taking a value reads the rest of the word or the next word.
    for (let j = 1; j < arg.length; j += 1) {
      if (takesValue(`-${arg[j]}`)) {
        if (j === arg.length - 1) i += 1;
        break;
      }
    }
  }
  return -1;
}

/**
 * The arguments with every option typed before the command word moved after it (`--json info 1` → `info --json 1`),
 * so that the command itself parses them: honoured when it has them, refused by name when it has not. Arguments with
 * no command word are returned unchanged.
 */
export function placeOptionsAfterCommand(
  args: readonly string[],
  takesValue: (flag: string) => boolean,
  isCommand: (word: string) => boolean,
): string[] {
  const index = firstOperandIndex(args, takesValue);
  if (index <= 0 || !isCommand(args[index]!)) return [...args];
  return [args[index]!, ...args.slice(0, index), ...args.slice(index + 1)];
}

/**
 * The command name a word is a near-miss of (one edit for names of up to 4 letters, two for longer ones; a swap of
 * two neighbouring letters is one edit), or undefined.
 */
export function nearMissOf(word: string, names: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(lower, name);
    const allowed = name.length <= 4 ? 1 : 2;
    if (distance > 0 && distance <= allowed && (!best || distance < best.distance)) best = { name, distance };
    if (distance === 0 && lower !== word) return name;
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}
