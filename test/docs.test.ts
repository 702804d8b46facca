// The documentation kept true: docs/cli.md and the man page are what the program generates (WA_UPLOAD_WRITE_DOCS=1 rewrites them), the README names only flags, variables and exit codes that exist, and no tracked file points at something a reader cannot follow.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliMarkdown, commandDocs, environmentVariables, exitCodes, manPage, programFlags } from './helpers/docs-generator.js';
import { REPO_ROOT } from './helpers/run-cli.js';

const WRITE = process.env.WA_UPLOAD_WRITE_DOCS === '1';

/** Compares a generated document with the file, or writes it when asked to. */
function checkGenerated(path: string, generated: string): void {
  const file = join(REPO_ROOT, path);
  if (WRITE) writeFileSync(file, generated);
  const onDisk = readFileSync(file, 'utf8');
  expect(onDisk, `${path} is out of date: run npm run docs`).toBe(generated);
}

describe('generated documents', () => {
  it('docs/cli.md is what the program generates', () => {
    checkGenerated('docs/cli.md', cliMarkdown());
  });

  it('docs/wa-upload.1 is what the program generates', () => {
    checkGenerated('docs/wa-upload.1', manPage());
  });

  it('the generated documents name every command, option, environment variable and exit code', () => {
    const md = cliMarkdown();
    const man = manPage();
    const commands = commandDocs();
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(['upload', 'handle', 'info', 'download', 'delete', 'sandbox', 'completion']));
    for (const command of commands) {
      expect(md).toContain(`## ${command.invocation}\n`);
      for (const option of command.options) {
        expect(md).toContain(`\`${option.flags}\``);
        expect(man).toContain(option.flags.split(/[ ,]/).find((p) => p.startsWith('--'))!.replace(/-/g, '\\-'));
      }
    }
    for (const variable of environmentVariables()) {
      for (const name of variable.names) {
        expect(md).toContain(`\`${name}\``);
        expect(man).toContain(name.replace(/-/g, '\\-'));
      }
    }
    const statusSection = man.split('.SH EXIT STATUS')[1]!.split('.SH ')[0]!;
    for (const code of exitCodes()) expect(statusSection).toMatch(new RegExp(`^\\\\fB[^\\n]*(?<!\\d)${code}(?!\\d)[^\\n]*\\\\fR$`, 'm'));
    for (const code of exitCodes()) expect(md).toMatch(new RegExp(`^\\| [^|]*(?<!\\d)${code}(?!\\d)[^|]* \\|`, 'm'));
  });

  it('the man page is shipped with the package', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { man?: string[]; files?: string[] };
    expect(pkg.man).toEqual(['./docs/wa-upload.1']);
    expect(pkg.files).toContain('docs/wa-upload.1');
  });
});

/** Flags of other tools the README's examples use (curl, jq, npm, npx), which wa-upload does not have. */
const OTHER_TOOLS_FLAGS = new Set(['--fail-with-body', '--data-binary', '--arg', '--yes', '--global']);

describe('README.md names only what exists', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

  it('is at most 12 KB', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12 * 1024);
  });

  it('every flag it writes is one of the program', () => {
    const flags = programFlags();
    const written = [...new Set([...readme.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0]))];
    expect(written.length).toBeGreaterThan(5);
    const unknown = written.filter((flag) => !flags.has(flag) && !OTHER_TOOLS_FLAGS.has(flag));
    expect(unknown).toEqual([]);
  });

  it('every environment variable it writes is one the program reads', () => {
    const names = new Set(environmentVariables().flatMap((v) => v.names));
    const written = [...new Set([...readme.matchAll(/\b(?:WA|WHATSAPP|CLOUD_API|M4D)_[A-Z0-9_]+/g)].map((m) => m[0]))];
    expect(written).toContain('WA_TOKEN');
    expect(written.filter((name) => !names.has(name))).toEqual([]);
  });

  it('every exit code it writes exists, and its table lists them all', () => {
    const codes = new Set(exitCodes());
    const written = [...readme.matchAll(/\bexit(?:s| code| status)?\s+(\d+)\b/gi)].map((m) => m[1]!);
    expect(written.filter((code) => !codes.has(code))).toEqual([]);
    const section = /## Exit codes\n([\s\S]*?)(?:\n## |$)/.exec(readme)?.[1] ?? '';
    const table = [...section.matchAll(/^\| ([\d /]+) \|/gm)].flatMap((m) => m[1]!.split('/').map((c) => c.trim()));
    expect(table.filter((code) => !codes.has(code))).toEqual([]);
    expect([...codes].filter((code) => !table.includes(code))).toEqual([]);
  });
});

describe('links between the documents', () => {
  it('every relative link of README.md, CONTRIBUTING.md, CHANGELOG.md and docs/*.md points at a file that exists', () => {
    const pages = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const broken: string[] = [];
    let links = 0;
    for (const page of pages) {
      const text = readFileSync(join(REPO_ROOT, page), 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/.test(target)) continue;
        links += 1;
        if (!existsSync(join(REPO_ROOT, dirname(page), target))) broken.push(`${page}: ${match[1]}`);
      }
    }
    expect(links).toBeGreaterThan(20);
    expect(broken).toEqual([]);
  });
});

/**
 * What a reader of the repository cannot follow: tracker numbers, private planning papers and documents that live
 * outside the repository. Written with character classes so that this file does not match itself.
 */
const UNFOLLOWABLE: { pattern: RegExp; what: string }[] = [
  { pattern: /\bissues?[ \t]+#?\d/i, what: 'a tracker number' },
  { pattern: /\(points?[ \t]+\d/i, what: 'a tracker point' },
  { pattern: /\bpoints?[ \t]+\d+(?:[ \t]*[-,][ \t]*\d+)*\)/i, what: 'a tracker point' },
  { pattern: /\bdesign[ \t]+card/i, what: 'a private planning paper' },
  { pattern: /\bdesign[.]md\b/i, what: 'a document outside the repository' },
  { pattern: /\bmedia-api[.]md\b/i, what: 'a document outside the repository' },
  { pattern: /\bstyle[.]md\b/i, what: 'a document outside the repository' },
  { pattern: /[.][.]\/shared\b/, what: 'a folder outside the repository' },
  { pattern: /\bseed-media-upload-api\b/, what: 'a document outside the repository' },
];

/** The tracked text files (binaries and the lockfile left out). */
function trackedTextFiles(): { path: string; text: string }[] {
  const paths = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  const files: { path: string; text: string }[] = [];
  for (const path of paths) {
    if (path === 'package-lock.json') continue;
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(REPO_ROOT, path));
    } catch {
      continue; // deleted in the work tree, not yet committed
    }
    if (bytes.subarray(0, 8000).includes(0)) continue; // a binary (fixtures)
    files.push({ path, text: bytes.toString('utf8') });
  }
  return files;
}

describe('no reference a reader cannot follow', () => {
  it('the patterns catch what they are for', () => {
    const samples = ['see issue' + ' 14', 'the issue' + ' 9 point 3', 'waits (point' + ' 13)', 'points 1-3' + ')', 'the design ' + 'card', 'media-api' + '.md 2', '..' + '/shared/docs'];
    for (const sample of samples) expect(UNFOLLOWABLE.some(({ pattern }) => pattern.test(sample)), sample).toBe(true);
    for (const fine of ['github.com/x/y/issues/14', 'a floating point number', 'design notes', 'docs/security.md']) {
      expect(UNFOLLOWABLE.some(({ pattern }) => pattern.test(fine)), fine).toBe(false);
    }
  });

  it('no tracked text file holds one', () => {
    const files = trackedTextFiles();
    expect(files.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const { path, text } of files) {
      text.split('\n').forEach((line, i) => {
        const hit = UNFOLLOWABLE.find(({ pattern }) => pattern.test(line));
        if (hit) found.push(`${path}:${i + 1}: ${hit.what}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(found).toEqual([]);
  });
});
