// The command line as people type it: every option in every position is honoured or refused by name (exit 2), never ignored.

import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Of, useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, TEST_PHONE_NUMBER_ID, TEST_TOKEN, runCli, type CliRun } from '../helpers/run-cli.js';
import type { RecordedRequest } from '../../src/sandbox/server.js';
import { SETTINGS, longFlagOf, optionsOf, shortFlagOf, type SettingRecord } from '../../src/settings/schema.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');
const VERSION = (JSON.parse(await readFile(join(FIXTURES, '..', 'package.json'), 'utf8')) as { version: string }).version;

type CommandName = 'upload' | 'info' | 'download' | 'delete' | 'handle';
const API_COMMANDS: CommandName[] = ['info', 'download', 'delete'];
const ALL_COMMANDS: CommandName[] = ['upload', ...API_COMMANDS];
/** The options every command shares (the connection and output options, help and version): `handle` too. */
const SHARED: CommandName[] = [...ALL_COMMANDS, 'handle'];
const headerPng = join(FIXTURES, 'valid/image.png');
/** The ffmpeg on PATH, named by its absolute path for --ffmpeg. */
const FFMPEG = spawnSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).stdout.trim();

/** Puts a media ID into the sandbox the way an upload would, without spawning the CLI. */
async function seedMedia(): Promise<string> {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('type', 'image/jpeg');
  form.append('file', new Blob([await readFile(photo)], { type: 'image/jpeg' }), 'photo.jpg');
  const response = await fetch(`${cli.sandbox.url}/v26.0/${TEST_PHONE_NUMBER_ID}/media`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${TEST_TOKEN}` },
  });
  const { id } = (await response.json()) as { id: string };
  cli.sandbox.reset();
  return id;
}

/** The command's words around the options: [before the command word, the command word, its operand]. */
function commandWords(command: CommandName, id: string): string[] {
  if (command === 'handle') return ['handle', headerPng];
  return command === 'upload' ? [photo] : [command, id];
}

/** Every place an option can stand for this command. */
function positions(command: CommandName): { name: string; place: (words: string[], options: string[]) => string[] }[] {
  if (command === 'upload') {
    return [
      { name: 'before the file', place: (w, o) => [...o, ...w] },
      { name: 'after the file', place: (w, o) => [...w, ...o] },
    ];
  }
  return [
    { name: 'before the command', place: (w, o) => [...o, ...w] },
    { name: `between the command and the ${command === 'handle' ? 'file' : 'ID'}`, place: (w, o) => [w[0]!, ...o, ...w.slice(1)] },
    { name: `after the ${command === 'handle' ? 'file' : 'ID'}`, place: (w, o) => [...w, ...o] },
  ];
}

interface ProbeContext {
  id: string;
  command: CommandName;
  cwd: string;
}

/** An option, what the run needs for its effect to show, and how to see that it was honoured. */
interface Probe {
  option: string;
  args: string[];
  commands: CommandName[];
  env?: Record<string, string | undefined>;
  setup?: (context: ProbeContext) => Promise<void>;
  check: (run: CliRun, requests: RecordedRequest[], context: ProbeContext) => Promise<void> | void;
}

const OTHER_PHONE = '106540352240001';
const settingsLine = (run: CliRun): string => run.stderr.split('\n').find((l) => l.startsWith('verbose: settings:')) ?? '';
const phoneOf = (request: RecordedRequest): string | undefined => request.query.phone_number_id ?? /^\/v[\d.]+\/(\d+)\/media$/.exec(request.path)?.[1];

const PROBES: Probe[] = [
  {
    option: '--phone-number-id',
    args: ['--phone-number-id', OTHER_PHONE],
    commands: ['upload'],
    env: { WA_PHONE_NUMBER_ID: undefined },
    check: (run, requests) => {
      expect(run.code).toBe(0);
      expect(phoneOf(requests[0]!)).toBe(OTHER_PHONE);
    },
  },
  {
    option: '--app-id',
    args: ['--app-id', '246813579024681'],
    commands: ['handle'],
    env: { WA_APP_ID: undefined },
    check: (run, requests) => {
      expect(run.code).toBe(0);
      expect(requests[0]!.path).toMatch(/\/246813579024681\/uploads$/);
    },
  },
  {
    option: '--no-config',
    args: ['--no-config'],
    commands: SHARED,
    // A config file in the working folder that would send every request to another API version.
    setup: async ({ cwd }) => writeFile(join(cwd, '.waupload.json'), JSON.stringify({ apiVersion: 'v97.0' })),
    check: (run, requests) => {
      expect(run.code).toBe(0);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((r) => !r.path.startsWith('/v97.0/'))).toBe(true);
    },
  },
  {
    option: '--type',
    args: ['--type', 'image/jpeg'],
    commands: ['upload'],
    check: (run, requests) => {
      expect(run.code).toBe(0);
      expect(requests[0]!.fields.type).toBe('image/jpeg');
    },
  },
  {
    option: '--concurrency',
    args: ['--concurrency', '1', '--verbose'],
    commands: ['upload', 'handle'],
    check: (run) => {
      expect(run.code).toBe(0);
      expect(settingsLine(run)).toContain('concurrency 1 from --concurrency');
    },
  },
  {
    option: '--sandbox',
    args: ['--sandbox'],
    commands: ['upload', 'handle'],
    // The environment points at a closed port and the test's sandbox sees nothing: the run's own sandbox answered.
    env: { WA_BASE_URL: 'http://127.0.0.1:9' },
    check: (run, requests) => {
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toMatch(/\S/);
      expect(requests).toHaveLength(0);
    },
  },
  {
    option: '--ttl-minutes',
    args: ['--ttl-minutes', '90'],
    commands: ['upload'],
    check: (run, requests) => {
      expect(run.code).toBe(0);
      expect(requests[0]!.fields.ttl_minutes).toBe('90');
    },
  },
  {
    option: '--token-file',
    args: ['--token-file', 'token.txt'],
    commands: SHARED,
    env: { WA_TOKEN: 'EAAnotTheRightTokenAtAll0000' },
    setup: async ({ cwd }) => writeFile(join(cwd, 'token.txt'), `${TEST_TOKEN}\n`, { mode: 0o600 }),
    check: (run, requests) => {
      expect(run.code).toBe(0);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((r) => (r.bearerToken ?? r.oauthToken) === TEST_TOKEN)).toBe(true);
    },
  },
  {
    option: '--api-version',
    args: ['--api-version', 'v99.0'],
    commands: SHARED,
    check: (run, requests) => {
      expect(run.code).toBe(0);
      expect(requests[0]!.path).toMatch(/^\/v99\.0\//);
    },
  },
  {
    option: '--base-url',
    args: ['--base-url', 'SANDBOX'],
    commands: SHARED,
    // The environment points at a closed port: only the flag reaches the sandbox (and carries the token there).
    env: { WA_BASE_URL: 'http://127.0.0.1:9' },
    check: (run, requests) => {
      expect(run.code).toBe(0);
      expect(requests.length).toBeGreaterThan(0);
    },
  },
  ...(['-c', '--config'] as const).map(
    (flag): Probe => ({
      option: flag,
      args: [flag, 'settings.json'],
      commands: SHARED,
      env: { WA_PHONE_NUMBER_ID: undefined },
      setup: async ({ cwd }) => writeFile(join(cwd, 'settings.json'), JSON.stringify({ phoneNumberId: OTHER_PHONE, apiVersion: 'v98.0' })),
      check: (run, requests, { command }) => {
        expect(run.code).toBe(0);
        expect(requests[0]!.path).toMatch(/^\/v98\.0\//);
        // Only uploads send the phone number ID (Meta refuses phone_number_id for a customer's media).
        if (command === 'upload') expect(phoneOf(requests[0]!)).toBe(OTHER_PHONE);
      },
    }),
  ),
  {
    option: '--retries',
    args: ['--retries', '0'],
    commands: SHARED,
    // One temporary failure: the default (3 retries) would recover, --retries 0 gives up after the one try.
    setup: async () => cli.sandbox.injectFault({ status: 503, graphCode: 2, isTransient: true, match: 'any' }),
    check: (run, requests) => {
      expect(run.code).toBe(7);
      expect(requests).toHaveLength(1);
    },
  },
  ...(
    [
      ['--timeout', '7', 'timeout 7 s from --timeout'],
      ['--retry-delay', '0.25', 'retryDelay 0.25 s from --retry-delay'],
      ['--max-retry-wait', '9', 'maxRetryWait 9 s from --max-retry-wait'],
    ] as const
  ).map(
    ([flag, value, shown]): Probe => ({
      option: flag,
      args: [flag, value, '--verbose'],
      commands: SHARED,
      check: (run) => {
        expect(run.code).toBe(0);
        expect(settingsLine(run)).toContain(shown);
      },
    }),
  ),
  {
    option: '--json',
    args: ['--json'],
    commands: SHARED,
    check: (run, _requests, { id, command }) => {
      expect(run.code).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const object = JSON.parse(lines[0]!) as Record<string, unknown>;
      if (command === 'handle') expect(String(object.handle)).toMatch(/\S/);
      else if (command !== 'upload') expect(object.id).toBe(id);
      else expect(String(object.id)).toMatch(/^\d+$/);
    },
  },
  ...(['-q', '--quiet'] as const).map(
    (flag): Probe => ({
      option: flag,
      args: [flag],
      commands: SHARED,
      check: (run, requests, { command }) => {
        expect(run.code).toBe(0);
        expect(run.stderr).toBe('');
        if (command === 'delete') expect(requests.at(-1)?.method).toBe('DELETE');
      },
    }),
  ),
  ...(['-v', '--verbose'] as const).map(
    (flag): Probe => ({
      option: flag,
      args: [flag],
      commands: SHARED,
      check: (run) => {
        expect(run.code).toBe(0);
        expect(run.stderr).toContain('verbose: settings:');
        expect(run.stderr).toContain('verbose: ');
      },
    }),
  ),
  {
    option: '--no-color',
    args: ['--no-color'],
    commands: SHARED,
    env: { FORCE_COLOR: '1' },
    // An unknown key in the config file: a (yellow, without the flag) warning.
    setup: async ({ cwd }) => writeFile(join(cwd, '.waupload.json'), JSON.stringify({ colour: 'blue' })),
    check: (run) => {
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('warning:');
      expect(run.stderr).not.toContain('\u001b[');
    },
  },
  {
    option: '--dry-run',
    args: ['--dry-run'],
    commands: ['upload', 'handle', 'delete'],
    check: (run, requests, { id, command }) => {
      expect(run.code).toBe(0);
      expect(requests).toHaveLength(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(command === 'delete' ? `would delete ${id}` : `would upload ${command === 'handle' ? headerPng : photo}`);
    },
  },
  {
    option: '--fix',
    args: ['--fix', '--verbose'],
    commands: ['upload', 'handle'],
    // A file that needs nothing: ffmpeg is found and named, and the file goes up byte for byte.
    check: async (run, requests, { command }) => {
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/^verbose: ffmpeg: \/\S+ \(version \S+, from PATH\)$/m);
      if (command === 'upload') expect(requests[0]!.file?.sha256).toBe(sha256Of(await readFile(photo)));
    },
  },
  {
    option: '--voice',
    args: ['--voice', '--verbose'],
    commands: ['upload'],
    // --voice implies --fix; a photo is no audio, so it goes up untouched.
    check: async (run, requests) => {
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/^verbose: ffmpeg: \/\S+ \(version /m);
      expect(requests[0]!.file?.sha256).toBe(sha256Of(await readFile(photo)));
    },
  },
  {
    option: '--ffmpeg',
    args: ['--ffmpeg', FFMPEG, '--fix', '--verbose'],
    commands: ['upload', 'handle'],
    check: (run) => {
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(`verbose: ffmpeg: ${FFMPEG} (version `);
      expect(run.stderr).toContain('from --ffmpeg)');
    },
  },
  {
    option: '--fix-timeout',
    args: ['--fix-timeout', '7', '--fix', '--verbose'],
    commands: ['upload', 'handle'],
    check: (run) => {
      expect(run.code).toBe(0);
      expect(settingsLine(run)).toContain('fixTimeout 7 s from --fix-timeout');
    },
  },
  ...(['-o', '--output'] as const).map(
    (flag): Probe => ({
      option: flag,
      args: [flag, 'copy.jpg'],
      commands: ['download'],
      check: async (run, _requests, { cwd }) => {
        expect(run.code).toBe(0);
        expect(await readFile(join(cwd, 'copy.jpg'))).toEqual(await readFile(photo));
      },
    }),
  ),
  ...(['-f', '--force'] as const).map(
    (flag): Probe => ({
      option: flag,
      args: [flag],
      commands: ['download'],
      setup: async ({ cwd, id }) => writeFile(join(cwd, `${id}.jpg`), 'an older file'),
      check: async (run, _requests, { cwd, id }) => {
        expect(run.code).toBe(0);
        expect(await readFile(join(cwd, `${id}.jpg`))).toEqual(await readFile(photo));
      },
    }),
  ),
  ...(['-V', '--version'] as const).map(
    (flag): Probe => ({
      option: flag,
      args: [flag],
      commands: SHARED,
      check: (run, requests) => {
        expect(run.code).toBe(0);
        expect(run.stdout).toBe(`${VERSION}\n`);
        expect(requests).toHaveLength(0);
      },
    }),
  ),
  ...(['-h', '--help'] as const).map(
    (flag): Probe => ({
      option: flag,
      args: [flag],
      commands: SHARED,
      check: (run, requests, { command }) => {
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(command === 'upload' ? /^Usage: wa-upload \[options\] <file\.\.\.>/ : new RegExp(`^Usage: wa-upload ${command} \\[options\\]`));
        expect(requests).toHaveLength(0);
      },
    }),
  ),
];

const HONOURED = PROBES.flatMap((probe) =>
  probe.commands.flatMap((command) => positions(command).map((position) => ({ probe, command, position, label: `${command}: ${probe.option} ${position.name}` }))),
);

describe('every option in every position is honoured', () => {
  it.each(HONOURED)('$label', async ({ probe, command, position }) => {
    const id = command === 'upload' || command === 'handle' ? '' : await seedMedia();
    const context: ProbeContext = { id, command, cwd: cli.dirs.cwd };
    await probe.setup?.(context);
    const options = probe.args.map((a) => (a === 'SANDBOX' ? cli.sandbox.url : a));
    // A handle needs an app ID (and no phone number ID).
    const env = { ...(command === 'handle' ? { WA_APP_ID: '246813579024680' } : {}), ...probe.env };
    const run = await cli.run(position.place(commandWords(command, id), options), { env });
    await probe.check(run, cli.sandbox.requests, context);
  });
});

/** A value a flag of this rule takes, for a run that must be refused before the value matters. */
function sampleValue(record: SettingRecord): string[] {
  switch (record.value.type) {
    case 'boolean':
      return [];
    case 'integer':
      return [String(record.value.min === 0 ? 1 : record.value.min)];
    case 'seconds':
      return ['5'];
    case 'mime':
      return ['image/jpeg'];
    case 'id':
      return ['1234567890'];
    case 'string':
      return [record.key === 'baseUrl' ? 'http://127.0.0.1:9' : 'x.jpg'];
  }
}

/** Every flag of the schema with every command (of those a table can drive) it does not apply to: generated, so a new option cannot be missing. */
const FOREIGN = (SETTINGS as readonly SettingRecord[]).flatMap((record) => {
  if (!record.flag) return [];
  const refusedBy = SHARED.filter((command) => !record.commands.includes(command));
  const flags = [longFlagOf(record)!, ...(shortFlagOf(record) ? [shortFlagOf(record)!] : [])];
  return flags.map((flag) => ({ args: [flag, ...sampleValue(record)], refusedBy }));
});

const REFUSED = FOREIGN.flatMap(({ args, refusedBy }) =>
  refusedBy.flatMap((command) => positions(command).map((position) => ({ args, command, position, label: `${command}: ${args[0]} ${position.name}` }))),
);

describe('the tables cover the schema', () => {
  /** Options whose effect another test file shows (they need a stdin upload, a content problem, or two runs). */
  const SHOWN_ELSEWHERE = new Set(['--filename', '--strict', '--reuse']);
  it('every option of every command has a probe here (honoured) or is refused by the generated table', () => {
    const missing: string[] = [];
    for (const command of SHARED) {
      for (const record of optionsOf(command)) {
        const flag = longFlagOf(record)!;
        const probed = PROBES.some((p) => p.option === flag && p.commands.includes(command));
        if (!probed && !SHOWN_ELSEWHERE.has(flag) && !SHOWN_ELSEWHERE.has(`${flag}@${command}`)) missing.push(`${command} ${flag}`);
      }
    }
    expect(missing).toEqual([]);
    expect(REFUSED.length).toBeGreaterThan(100);
  });
});

describe('an option that means nothing for a command is refused by name, wherever it stands', () => {
  it.each(REFUSED)('$label', async ({ args, command, position }) => {
    // Nothing may be sent: the test's sandbox must see no request.
    const run = await cli.run(position.place(commandWords(command, '123456789'), args), { env: { WA_APP_ID: '246813579024680' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^error: .*${args[0]}`));
    expect(run.stderr).toMatch(/\nhint: /);
    expect(cli.sandbox.requests).toHaveLength(0);
    // Under --json the same refusal is one object on stdout, kind "usage", whatever the position.
    const json = await cli.run(position.place(commandWords(command, '123456789'), [...args, '--json']), { env: { WA_APP_ID: '246813579024680' } });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { kind: 'usage', exitCode: 2 } });
  });
});

describe('options before `sandbox` belong to it', () => {
  it('wa-upload --token T --port 0 sandbox: the sandbox requires that token and says so', async () => {
    let child: import('node:child_process').ChildProcess | undefined;
    let stderr = '';
    let asked = false;
    let answered = 0;
    let refused = 0;
    const run = await runCli(['--token', 'tok-123', '--port', '0', 'sandbox'], {
      cwd: cli.dirs.cwd,
      env: { HOME: cli.dirs.home },
      onSpawn: (c) => (child = c),
      // Once it answers a request with the token given before `sandbox`, it is serving (and listening for Ctrl-C).
      onStderr: (chunk) => {
        stderr += chunk;
        const url = /listening at (\S+)/.exec(stderr)?.[1];
        if (url && !asked) {
          asked = true;
          const ask = (token: string) => fetch(`${url}/v27.0/1`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
          void Promise.all([ask('tok-123'), ask('another-token')]).then(([right, wrong]) => {
            answered = right;
            refused = wrong;
            child?.kill('SIGINT');
          });
        }
      },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('export WA_TOKEN=tok-123\n');
    expect(run.stderr).toContain('sandbox: stopped by SIGINT');
    // An unknown media ID, not a refused token: the token typed before `sandbox` is the one it requires.
    expect(refused).toBe(401);
    expect(answered).not.toBe(401);
    expect(answered).toBeGreaterThan(0);
  });
});

describe('--dry-run delete never deletes', () => {
  it('the media is still there after a dry run, and goes with a real delete', async () => {
    const id = await seedMedia();
    const dry = await cli.run(['--dry-run', 'delete', id]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe(`would delete ${id}\n`);
    expect(cli.sandbox.requests).toHaveLength(0);
    const info = await cli.run(['info', id]);
    expect(info.code).toBe(0);
    const json = await cli.run(['delete', id, '--dry-run', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ id, dryRun: true });
    expect(cli.sandbox.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });
});

describe('a misspelt command is a usage error with a suggestion', () => {
  it.each([
    ['downlaod', 'download'],
    ['inof', 'info'],
    ['delet', 'delete'],
    ['sandbx', 'sandbox'],
    ['completoin', 'completion'],
    ['hepl', 'help'],
    ['INFO', 'info'],
  ])('%s → did you mean %s?', async (word, command) => {
    const run = await cli.run([word, '123']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`error: unknown command ${word}\nhint: did you mean ${command}? (run wa-upload --help for the commands)\n`);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('a word far from every command is still a file: exit 4, no such file', async () => {
    const run = await cli.run(['holiday']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('no such file');
  });

  it('a near-miss that is also a file here is refused as ambiguous; ./name uploads the file', async () => {
    await writeFile(join(cli.dirs.cwd, 'delte'), await readFile(photo));
    const ambiguous = await cli.run(['delte']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toBe('error: delte is a file here and also looks like the command delete\nhint: to upload the file write ./delte; for the command spell it delete\n');
    expect(cli.sandbox.requests).toHaveLength(0);
    const file = await cli.run(['--type', 'image/jpeg', './delte']);
    expect(file.code).toBe(0);
    expect(file.stdout).toMatch(/^\d+\n$/);
    expect(cli.sandbox.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('help, help <command> and --help need no settings and exit 0', async () => {
    const none = { WA_TOKEN: undefined, WA_PHONE_NUMBER_ID: undefined };
    const help = await cli.run(['help'], { env: none });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: wa-upload \[options\] <file\.\.\.>/);
    const download = await cli.run(['help', 'download'], { env: none });
    expect(download.code).toBe(0);
    expect(download.stdout).toMatch(/^Usage: wa-upload download \[options\] <media-id/);
    expect(download.stdout).toContain('--output');
    const before = await cli.run(['--json', 'help', 'delete'], { env: none });
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^Usage: wa-upload delete/);
    const unknown = await cli.run(['help', 'uplod'], { env: none });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: there is no command uplod\nhint: commands: handle, sandbox, info, download, delete, completion/);
  });
});

describe('flags that do not exist on purpose get a hint', () => {
  it.each([
    [['--token', 'EAAsecretvalue123', 'photo.jpg'], /^error: there is no option --token\nhint: there is no --token flag by design.*WA_TOKEN.*--token-file/],
    [['--token=EAAsecretvalue123', 'photo.jpg'], /^error: there is no option --token\nhint: there is no --token flag by design/],
    [['info', '--token', 'EAAsecretvalue123', '1'], /^error: info does not take --token\nhint: there is no --token flag by design/],
    [['--token', 'EAAsecretvalue123', 'delete', '1'], /^error: delete does not take --token\nhint: there is no --token flag by design/],
    [['--phone', '123', 'photo.jpg'], /^error: there is no option --phone\nhint: the flag is --phone-number-id/],
    [['--app-id', '123', 'photo.jpg'], /^error: unknown option --app-id\nhint: --app-id belongs to wa-upload handle/],
  ])('%j', async (args, message) => {
    const run = await cli.run(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    // The value typed after --token is a secret too: never echoed.
    expect(run.stderr).not.toContain('EAAsecretvalue123');
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('upload: no token and no phone number ID are named together in one run', async () => {
    const run = await cli.run([photo], { env: { WA_TOKEN: undefined, WA_PHONE_NUMBER_ID: undefined } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: no access token and no phone number ID.*\nhint: set WA_TOKEN and WA_PHONE_NUMBER_ID/);
  });

  it('info: only the token is named, since info, download and delete need no phone number ID', async () => {
    const run = await cli.run(['info', '1'], { env: { WA_TOKEN: undefined, WA_PHONE_NUMBER_ID: undefined } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: no access token\nhint: set WA_TOKEN/);
  });
});

describe('--type for stdin never relabels the other files', () => {
  const pdf = join(FIXTURES, 'valid/document.pdf');

  it('cat a.jpg | wa-upload --type image/jpeg - report.pdf: the PDF goes up as application/pdf under its own name', async () => {
    const run = await cli.run(['--json', '--type', 'image/jpeg', '-', pdf], { input: await readFile(photo) });
    expect(run.code).toBe(0);
    const parts = cli.sandbox.requests.map((r) => ({ filename: r.file?.filename, contentType: r.file?.contentType, type: r.fields.type }));
    expect(parts).toHaveLength(2);
    expect(parts).toContainEqual({ filename: 'stdin.jpg', contentType: 'image/jpeg', type: 'image/jpeg' });
    expect(parts).toContainEqual({ filename: 'document.pdf', contentType: 'application/pdf', type: 'application/pdf' });
    expect(run.stderr).toBe('');
  });

  it.each([
    ['stdin', (bytes: Buffer) => ({ args: ['--type', 'image/jpeg', '-'], input: bytes })],
    ['a file', () => ({ args: ['--type', 'image/jpeg', pdf] })],
  ])('a type the content contradicts (%s): a warning, and under --strict nothing sent', async (_name, make) => {
    const { args, input } = make(await readFile(pdf)) as { args: string[]; input?: Buffer };
    const warned = await cli.run(args, input ? { input } : {});
    expect(warned.stderr).toMatch(/warning: .*content is PDF, not JPEG/);
    cli.sandbox.reset();
    const strict = await cli.run(['--strict', ...args], input ? { input } : {});
    expect(strict.code).toBe(4);
    expect(strict.stderr).toMatch(/error: refused under --strict: content is PDF, not JPEG/);
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});

describe('flags that contradict each other are refused, not silently resolved', () => {
  it.each([
    [['--type', 'image/jpeg', '--filename', 'scan.png', '-'], /^error: --filename scan\.png does not fit --type image\/jpeg \(\.jpg, \.jpeg\)\nhint: name the part scan\.jpg/],
    [['-q', '-v', 'PHOTO'], /^error: --quiet and --verbose ask for opposite things\n/],
    [['info', '--quiet', '--verbose', '1'], /^error: --quiet and --verbose ask for opposite things/],
    [['--sandbox', '--base-url', 'https://graph.facebook.com', 'PHOTO'], /^error: --sandbox and --base-url both say where to upload\n/],
    [['--sandbox', '--token-file', 'token.txt', 'PHOTO'], /^error: --sandbox takes no token \(--token-file\)\n/],
  ])('%j: exit 2, nothing sent', async (args, message) => {
    await writeFile(join(cli.dirs.cwd, 'token.txt'), TEST_TOKEN);
    const run = await cli.run(args.map((a) => (a === 'PHOTO' ? photo : a)), { input: await readFile(photo) });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('a --filename without an extension takes the type\'s', async () => {
    const run = await cli.run(['--type', 'image/jpeg', '--filename', 'scan', '-'], { input: await readFile(photo) });
    expect(run.code).toBe(0);
    expect(cli.sandbox.requests[0]?.file?.filename).toBe('scan.jpg');
  });
});

describe('--help tells the whole truth', () => {
  it('names every environment variable wa-upload reads, the proxies and the cache folder included', async () => {
    const run = await cli.run(['--help'], { env: { WA_TOKEN: undefined } });
    expect(run.code).toBe(0);
    for (const name of ['WA_TOKEN', 'WA_PHONE_NUMBER_ID', 'WA_BASE_URL', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS', 'XDG_CACHE_HOME', 'NO_COLOR']) {
      expect(run.stdout).toContain(name);
    }
    expect(run.stdout).toContain('141  stdout\'s reader went away');
  });
});

describe('shell completion', () => {
  /** What bash completes for these words (the last one being typed), with the script wa-upload printed. */
  async function bashCompletes(words: string[]): Promise<string[]> {
    const script = (await cli.run(['completion', 'bash'])).stdout;
    const array = words.map((w) => `'${w}'`).join(' ');
    const check = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _wa_upload_complete; printf '%s\\n' "\${COMPREPLY[@]}"`], {
      cwd: cli.dirs.cwd,
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    return check.stdout.split('\n').filter(Boolean);
  }

  it('bash: shell names after completion, MIME types after --type, --version once', async () => {
    expect(await bashCompletes(['wa-upload', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    expect(await bashCompletes(['wa-upload', '--type', 'image/'])).toEqual(['image/jpeg', 'image/png', 'image/webp']);
    expect(await bashCompletes(['wa-upload', 'photo.jpg', '--type', 'application/pd'])).toEqual(['application/pdf']);
    expect((await bashCompletes(['wa-upload', '--']))).toContain('--dry-run');
    expect((await bashCompletes(['wa-upload', '--']).then((w) => w.filter((x) => x === '--version')))).toHaveLength(1);
  });

  it('zsh and fish: descriptions kept whole ("a media ID\'s URL"), values for --type and the shell', async () => {
    const zsh = (await cli.run(['completion', 'zsh'])).stdout;
    expect(zsh).toContain(`'info\\:show a media ID'\\''s URL, MIME type, sha256 and size'`.replace('info\\:', 'info:'));
    expect(zsh).not.toContain('media IDs URL');
    expect(zsh).toContain(`'*:completion:(bash zsh fish)'`);
    expect(zsh).toMatch(/'--type\[[^\]]*\]:value:\(image\/jpeg image\/png [^)]*application\/pdf[^)]*\)'/);
    const fish = (await cli.run(['completion', 'fish'])).stdout;
    expect(fish).not.toContain('media IDs URL');
    expect(fish).toContain(`-d 'show a media ID'\\''s URL, MIME type, sha256 and size'`);
    expect(fish).toContain(`-n "__fish_seen_subcommand_from completion" -x -a 'bash zsh fish'`);
    expect(fish).toMatch(/-l type -x -a 'image\/jpeg image\/png /);
    expect(fish.split('\n').filter((l) => l.includes('not __fish_seen_subcommand_from') && l.includes('-l version'))).toHaveLength(1);
  });
});

describe('--help of a subcommand: its own flags in full, the shared ones by name', () => {
  /** The connection and output options uploads take too: described once, in `wa-upload --help`. */
  const shared = (command: CommandName): SettingRecord[] =>
    optionsOf(command).filter((r) => (r.group === 'connection' || r.group === 'output') && optionsOf('upload').some((u) => u.key === r.key));

  it.each(['info', 'download', 'delete', 'handle'] as const)('%s --help names every shared flag once, under Inherited flags, without its text', async (command) => {
    const help = await cli.run([command, '--help'], { env: { WA_TOKEN: undefined } });
    expect(help.code).toBe(0);
    const [own, after] = help.stdout.split('Inherited flags (described in wa-upload --help):\n');
    expect(after).toBeDefined();
    // The section ends at the first blank line (the examples come after it).
    const inherited = after!.split('\n\n')[0]!;
    expect(shared(command).length).toBeGreaterThan(10);
    for (const record of shared(command)) {
      const long = longFlagOf(record)!;
      expect(own).not.toContain(long);
      expect(inherited.split(/[\s,/]+/).filter((w) => w === long)).toHaveLength(1);
      expect(help.stdout).not.toContain(record.doc);
    }
    // The command's own options keep their text: download's --output, handle's --app-id and --concurrency.
    for (const record of optionsOf(command).filter((r) => !shared(command).includes(r))) expect(own).toContain(longFlagOf(record)!);
    for (const line of help.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('wa-upload --help still describes every shared flag in full', async () => {
    const help = await cli.run(['--help'], { env: { WA_TOKEN: undefined } });
    expect(help.code).toBe(0);
    expect(help.stdout).not.toContain('Inherited flags');
    for (const record of shared('info')) expect(help.stdout.replace(/\s+/g, ' ')).toContain(record.doc);
  });
});
