// Formats the benchmark's figures: the console tables and BENCHMARKS.md.

const fmtSeconds = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(3)} s` : 'n/a');
const fmtMiB = (mib) => (Number.isFinite(mib) ? `${mib.toFixed(1)} MiB` : 'n/a');
const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');
const verdict = (pass) => (pass === true ? 'PASS' : pass === false ? 'FAIL' : 'n/a');

/** The rows of one case's table: tool, median time, ratios, median peak RSS, ratios, runs that succeeded. */
function caseRows(result) {
  const baselines = result.baselines.map((key) => result.tools.find((t) => t.key === key)).filter((t) => t && t.ok > 0);
  const header = ['tool', 'median time', ...baselines.map((b) => `time ×${b.short}`), 'median peak RSS', ...baselines.map((b) => `RSS ×${b.short}`), 'runs ok'];
  const rows = result.tools.map((t) => [
    t.label,
    fmtSeconds(t.medianMs),
    ...baselines.map((b) => (b === t ? '1.00×' : fmtRatio(t.medianMs / b.medianMs))),
    fmtMiB(t.medianRssMiB),
    ...baselines.map((b) => (b === t ? '1.00×' : fmtRatio(t.medianRssMiB / b.medianRssMiB))),
    `${t.ok}/${t.attempted}${t.skipped ? ' (skipped)' : ''}`,
  ]);
  return { header, rows };
}

function textTable(header, rows, { leftAligned = false } = {}) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 || leftAligned ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(header, rows, { leftAligned = false } = {}) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 || leftAligned ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Everything printed at the end of a run. */
export function consoleReport({ cases, targets, notes }) {
  const out = [];
  for (const result of cases) {
    const { header, rows } = caseRows(result);
    out.push('', `${result.title}`, textTable(header, rows));
    for (const tool of result.tools) {
      for (const failure of tool.failures.slice(0, 3)) out.push(`  ! ${tool.label}: ${failure}`);
    }
  }
  out.push('', 'Targets');
  for (const t of targets) out.push(`${verdict(t.pass).padEnd(5)} ${t.name}`, `      ${t.measured}`);
  for (const note of notes) out.push(`  note: ${note}`);
  const failed = targets.filter((t) => t.pass === false).length;
  const unknown = targets.filter((t) => t.pass === null).length;
  out.push(
    '',
    failed === 0 && unknown === 0
      ? `ALL ${targets.length} TARGETS PASS`
      : `${targets.length - failed - unknown} of ${targets.length} targets pass; ${failed} FAIL${unknown ? `, ${unknown} could not be judged` : ''} (a report, not a test: exit code 0)`,
  );
  return out.join('\n');
}

/** The before-and-now table: each figure before (the --before build) and now, its target, and the floors beside. */
function issueTable(summary) {
  return markdownTable(
    ['figure', 'before', 'now', 'target', 'floors'],
    summary.map((r) => [r.figure, r.before ?? '–', r.now, r.target, r.floors ?? '–']),
    { leftAligned: true },
  );
}

/** One Node version's part of BENCHMARKS.md (between its markers, so that runs on other versions keep theirs). */
export function markdownSection({ cases, targets, notes, machine, method, runs, startedAt, durationS, nodeMajor, nodeVersion, summary, beforeLabel }) {
  const md = [];
  md.push(`<!-- bench: node ${nodeMajor} -->`);
  md.push(`## Node ${nodeMajor} (${nodeVersion})`);
  md.push('');
  md.push(
    `Run on ${startedAt.slice(0, 10)} in ${Math.round(durationS)} s: every figure is the median of ${runs} runs per tool (cold npx: ${Math.max(runs, 25)}), the tools of a case ` +
      'alternated run by run in an order that rotates each round (ABC, BCA, CAB…) after one discarded warm-up round, on the same files against the same local servers' +
      (beforeLabel ? `; "before" is commit ${beforeLabel}, built and run in the same rounds.` : '.'),
  );
  md.push('');
  if (summary?.length) {
    md.push('### Before and now');
    md.push('');
    md.push(issueTable(summary));
    md.push('');
  }
  md.push('### Targets');
  md.push('');
  md.push(markdownTable(['', 'target', 'measured'], targets.map((t) => [`**${verdict(t.pass)}**`, t.name, t.measured]), { leftAligned: true }));
  md.push('');
  md.push('### Figures');
  for (const result of cases) {
    const { header, rows } = caseRows(result);
    md.push('');
    md.push(`#### ${result.title}`);
    md.push('');
    if (result.description) {
      md.push(result.description);
      md.push('');
    }
    md.push(markdownTable(header, rows));
    const failures = result.tools.flatMap((t) => t.failures.slice(0, 2).map((f) => `- ${t.label}: ${f}`));
    if (failures.length) {
      md.push('');
      md.push('Failed runs (left out of the medians):');
      md.push('');
      md.push(...failures);
    }
  }
  if (notes.length) {
    md.push('');
    md.push('### Notes');
    md.push('');
    md.push(...notes.map((n) => `- ${n}`));
  }
  md.push('');
  md.push('### How it was measured');
  md.push('');
  md.push(...method.map((m) => `- ${m}`));
  md.push('');
  md.push('### Machine');
  md.push('');
  md.push(markdownTable(['', ''], machine.map(([k, v]) => [k, v]), { leftAligned: true }));
  md.push(`<!-- bench: end node ${nodeMajor} -->`);
  return md.join('\n');
}

/** The whole of BENCHMARKS.md: this run's section replaces the same Node version's, other versions' sections stay. */
export function markdownDocument(previous, section, nodeMajor) {
  const sections = new Map();
  for (const match of (previous ?? '').matchAll(/<!-- bench: node (\d+) -->[\s\S]*?<!-- bench: end node \1 -->/g)) sections.set(Number(match[1]), match[0]);
  sections.set(Number(nodeMajor), section);
  const md = [];
  md.push('# Benchmarks');
  md.push('');
  md.push(
    'Written by `npm run bench` (bench/run.js); do not edit by hand. One section per Node version it ran on; a run replaces ' +
      'its own version\'s section. The targets are start-up, the spinner, throughput and cold npx, with memory and batch ' +
      'figures beside them. The performance history at the end says what each change bought.',
  );
  md.push('');
  for (const [, text] of [...sections].sort(([a], [b]) => a - b)) {
    md.push(text);
    md.push('');
  }
  // The reuse-cache part (bench/reuse-cache.js) keeps its own block, rewritten only by a run that measures it.
  const reuse = /<!-- bench: reuse -->[\s\S]*?<!-- bench: end reuse -->/.exec(previous ?? '');
  if (reuse) {
    md.push(reuse[0]);
    md.push('');
  }
  // The --fix part (bench/fix.js) keeps its own block too.
  const fix = /<!-- bench: fix -->[\s\S]*?<!-- bench: end fix -->/.exec(previous ?? '');
  if (fix) {
    md.push(fix[0]);
    md.push('');
  }
  // The performance history is written by hand and kept as it is.
  const history = /<!-- bench: history -->[\s\S]*?<!-- bench: end history -->/.exec(previous ?? '');
  if (history) {
    md.push(history[0]);
    md.push('');
  }
  md.push('## Reproduce');
  md.push('');
  md.push('```sh');
  md.push('npm ci                                   # installs the peers (devDependencies) too');
  md.push('npm run bench                            # builds dist/, runs every case on this Node, rewrites its section');
  md.push('npm run bench -- --node 24               # the same on Node 24 (scripts/install-node.js installs it once)');
  md.push('npm run bench -- --before 263474c        # also builds that commit and runs it side by side ("before")');
  md.push('BENCH_RUNS=21 npm run bench              # more runs per tool (default 15)');
  md.push('node bench/run.js --only fix             # --fix beside ffmpeg alone (BENCH_FIX_RUNS, default 5); needs ffmpeg');
  md.push('```');
  md.push('');
  md.push(
    'Needs Node 20+, GNU time at /usr/bin/time for peak memory (`apt-get install time`), curl for the reference and util-linux ' +
      '`script` for the terminal case (all optional: their figures then read n/a). Only loopback servers that the bench starts ' +
      'are contacted. Other work on the machine moves the figures: the Machine table gives the load average before and after.',
  );
  md.push('');
  return md.join('\n');
}

/** BENCHMARKS.md with its reuse-cache block (`table` from bench/reuse-cache.js) put in or replaced. */
export function withReuseSection(previous, table, nodeVersion, date) {
  const block = [
    '<!-- bench: reuse -->',
    `## --reuse cache (${nodeVersion}, ${date})`,
    '',
    'Written by `node bench/run.js --only reuse` (and at the end of `npm run bench`). The single-file store of 92eee4c (every entry in one',
    'JSON file, read and rewritten whole) beside the sharded one (256 files by the first two hex digits of the hash). Each run is a fresh',
    'process that opens the cache, looks up one file, adds its entry or finds it, and waits for the write: "cache time" is that work,',
    '"whole process" adds Node\'s start-up and loading the module; peak RSS is the process\'s (an empty Node process peaks at ~44 MB).',
    'Medians of 5 runs (BENCH_REUSE_RUNS). Target: 200,000 entries, add-one well under 0.5 s and under 100 MB.',
    '',
    table,
    '<!-- bench: end reuse -->',
  ].join('\n');
  return withMarkedBlock(previous, 'reuse', block);
}

/**
 * BENCHMARKS.md with the block between `<!-- bench: NAME -->` and `<!-- bench: end NAME -->` replaced by `block`, or,
 * when there is none, the block inserted before the history (else before "## Reproduce", else at the end).
 */
export function withMarkedBlock(previous, name, block) {
  const text = previous ?? '';
  const marked = new RegExp(`<!-- bench: ${name} -->[\\s\\S]*?<!-- bench: end ${name} -->`);
  if (marked.test(text)) return text.replace(marked, () => block);
  const history = text.indexOf('<!-- bench: history -->');
  const at = history !== -1 ? history : text.indexOf('## Reproduce');
  return at === -1 ? `${text}\n${block}\n` : `${text.slice(0, at)}${block}\n\n${text.slice(at)}`;
}
