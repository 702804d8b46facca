// Contract test: the sandbox's answers and the CLI's requests (as the sandbox recorded them) against Meta's OpenAPI schemas.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, TEST_PHONE_NUMBER_ID, TEST_TOKEN } from '../helpers/run-cli.js';
import {
  MEDIA_PATH,
  MEDIA_URL_PATH,
  UPLOAD_PATH,
  metaSchema,
  metaSchemaAllNamed,
  ourSchema,
  parameterSchema,
  problems,
  specAt,
} from '../helpers/meta-openapi.js';
import type { RecordedRequest } from '../../src/sandbox/server.js';

const APP_ID = '246813579024680';
const cli = useCliSandbox({ phoneNumberIds: [TEST_PHONE_NUMBER_ID], appIds: [APP_ID] }, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');
const pdf = join(FIXTURES, 'valid/document.pdf');
const json = ['content', 'application/json', 'schema'];

const uploadAnswer = () => metaSchemaAllNamed('paths', UPLOAD_PATH, 'post', 'responses', '200', ...json);
const infoAnswer = () => metaSchemaAllNamed('paths', MEDIA_PATH, 'get', 'responses', '200', ...json);
const deleteAnswer = () => metaSchemaAllNamed('paths', MEDIA_PATH, 'delete', 'responses', '200', ...json);
const graphError = () => metaSchema('components', 'schemas', 'GraphAPIError');
const unauthorized = () => metaSchema('components', 'responses', 'Unauthorized', ...json);
const headerSchema = (name: string) => metaSchema('components', 'headers', name, 'schema');

/** Uploads the photo with the CLI, then asks for its info, downloads it and deletes it: five recorded requests. */
async function lifecycle(): Promise<{ id: string; requests: RecordedRequest[] }> {
  const uploaded = await cli.run([photo]);
  expect(uploaded.code).toBe(0);
  const id = uploaded.stdout.trim();
  for (const args of [['info', id], ['download', id, '-o', 'copy.jpg'], ['delete', id]]) expect((await cli.run(args)).code).toBe(0);
  return { id, requests: [...cli.sandbox.requests] };
}

/** A direct call to the sandbox (for answer headers, which the records do not keep). */
async function call(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${cli.sandbox.url}${path}`, init);
  return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) };
}

function uploadForm(): FormData {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('file', new Blob([Buffer.from('\xff\xd8\xff\xe0fake jpeg bytes', 'latin1')], { type: 'image/jpeg' }), 'a.jpg');
  return form;
}

describe("the sandbox's answers, against Meta's schemas", () => {
  it('upload, media info and delete answer every field the spec names, with the types it gives', async () => {
    const { id, requests } = await lifecycle();
    const [upload, info, , , deleted] = requests;
    expect(upload!.status).toBe(200);
    expect(problems(uploadAnswer(), upload!.responseBody)).toBe('');
    expect(info!.status).toBe(200);
    expect(problems(infoAnswer(), info!.responseBody)).toBe('');
    expect(info!.responseBody).toMatchObject({ id, messaging_product: 'whatsapp', mime_type: 'image/jpeg' });
    expect(deleted!.status).toBe(200);
    expect(problems(deleteAnswer(), deleted!.responseBody)).toBe('');
    // The checks have teeth: a number where the spec says string, a string where it says boolean, a field left out.
    expect(problems(uploadAnswer(), { id: Number(id) })).toContain('must be string');
    expect(problems(deleteAnswer(), { success: 'true' })).toContain('must be boolean');
    const { url: _url, ...withoutUrl } = info!.responseBody as Record<string, unknown>;
    expect(problems(infoAnswer(), withoutUrl)).toContain("must have required property 'url'");
  });

  it("every JSON answer carries facebook-api-version (the path's version) and Meta's usage headers, shaped like the spec's examples", async () => {
    const answers = [
      await call(`/v27.0/${TEST_PHONE_NUMBER_ID}/media`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}` }, body: uploadForm() }),
      await call('/v26.0/1234567890', { headers: { authorization: `Bearer ${TEST_TOKEN}` } }),
      await call('/v27.0/1234567890'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 400, 401]);
    expect(answers.map((a) => a.headers.get('facebook-api-version'))).toEqual(['v27.0', 'v26.0', 'v27.0']);
    for (const { headers } of answers) {
      for (const name of ['facebook-api-version', 'x-app-usage', 'x-business-use-case-usage', 'x-fb-trace-id', 'x-fb-request-id']) {
        expect(problems(headerSchema(name), headers.get(name) ?? undefined)).toBe('');
      }
      expect(problems(ourSchema('appUsage'), JSON.parse(headers.get('x-app-usage')!))).toBe('');
      expect(problems(ourSchema('businessUseCaseUsage'), JSON.parse(headers.get('x-business-use-case-usage')!))).toBe('');
    }
    // The value schemas are Meta's examples' shape: the examples themselves pass them.
    expect(problems(ourSchema('appUsage'), JSON.parse(specAt('components', 'headers', 'x-app-usage', 'schema', 'example')))).toBe('');
    expect(problems(ourSchema('businessUseCaseUsage'), JSON.parse(specAt('components', 'headers', 'x-business-use-case-usage', 'schema', 'example')))).toBe('');
  });

  it("errors are Graph envelopes; a missing token is Meta's 104 and a bad one 190, as the spec's examples say", async () => {
    const missing = await call(`/v27.0/${TEST_PHONE_NUMBER_ID}/media`, { method: 'POST', body: uploadForm() });
    const wrong = await call(`/v27.0/${TEST_PHONE_NUMBER_ID}/media`, { method: 'POST', headers: { authorization: 'Bearer EAAwrongtoken0123456789' }, body: uploadForm() });
    const badParameter = await call('/v27.0/not-a-number', { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    cli.sandbox.injectFault({ status: 503, graphCode: 133004, isTransient: true, details: 'try later' });
    const fault = await call(`/v27.0/${TEST_PHONE_NUMBER_ID}/media`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}` }, body: uploadForm() });
    expect([missing, wrong, badParameter, fault].map((a) => a.status)).toEqual([401, 401, 400, 503]);
    for (const answer of [missing, wrong, badParameter, fault]) expect(problems(graphError(), answer.body)).toBe('');
    for (const answer of [missing, wrong]) expect(problems(unauthorized(), answer.body)).toBe('');
    const examples = specAt('components', 'responses', 'Unauthorized', 'content', 'application/json', 'examples');
    expect(missing.body.error).toMatchObject(examples.MissingAccessToken.value.error);
    expect(wrong.body.error.code).toBe(examples.InvalidAccessToken.value.error.code);
    expect(wrong.body.error.message.startsWith(examples.InvalidAccessToken.value.error.message)).toBe(true);
    expect(problems(graphError(), { error: { message: 'x', type: 'OAuthException' } })).toContain("must have required property 'code'");
  });

  it('a Resumable Upload answers as its guide shows: session ID, file_offset, a handle shaped like the spec’s example', async () => {
    cli.sandbox.injectFault({ dropAfterBytes: 2000 });
    const result = await cli.run(['handle', pdf], { env: { WA_APP_ID: APP_ID, WA_PHONE_NUMBER_ID: undefined } });
    expect(result.code).toBe(0);
    const requests = cli.sandbox.requests;
    const start = requests.find((r) => r.path.endsWith('/uploads'));
    const status = requests.find((r) => r.method === 'GET' && r.path.includes('/upload:'));
    const sent = requests.filter((r) => r.method === 'POST' && r.path.includes('/upload:'));
    expect(sent.map((r) => r.status)).toEqual(['dropped', 200]);
    expect(problems(ourSchema('sessionStarted'), start!.responseBody)).toBe('');
    expect(problems(ourSchema('sessionStatus'), status!.responseBody)).toBe('');
    expect((status!.responseBody as { file_offset: number }).file_offset).toBe(2000);
    expect(problems(ourSchema('dataUploaded'), sent[1]!.responseBody)).toBe('');
    expect(result.stdout).toBe(`${(sent[1]!.responseBody as { h: string }).h}\n`);
    const handle = (sent[1]!.responseBody as { h: string }).h;
    expect(handle.split(':')).toHaveLength(9);
    expect(handle.split(':')[6]).toBe(APP_ID);
    // The handle schema is the shape of Meta's own example handle.
    const example = specAt('components', 'schemas', 'WhatsAppBusinessProfileUpdateRequest', 'properties', 'profile_picture_handle', 'example');
    expect(problems(ourSchema('handle'), example)).toBe('');
    expect(problems(ourSchema('handle'), '4::aW1hZ2UvcG5n:ARsig:e:1:2:ARsig')).not.toBe('');
    // A session's error is a Graph envelope too.
    const wrongSig = await call(`/v27.0/${String((start!.responseBody as { id: string }).id).replace(/sig=.*/, 'sig=ARwrong')}`, { headers: { authorization: `OAuth ${TEST_TOKEN}` } });
    expect(wrongSig.status).toBe(400);
    expect(problems(graphError(), wrongSig.body)).toBe('');
  });
});

describe("the CLI's requests as the sandbox recorded them, against Meta's schemas", () => {
  it('an upload is multipart/form-data with every field the spec names, and the User-Agent and Authorization it describes', async () => {
    const { requests } = await lifecycle();
    const upload = requests[0]!;
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(Object.keys(specAt('paths', UPLOAD_PATH, 'post', 'requestBody', 'content'))).toContain('multipart/form-data');
    const form = { ...upload.fields, ...(upload.file ? { [upload.file.fieldName]: `${upload.file.size} bytes` } : {}) };
    expect(problems(metaSchemaAllNamed('paths', UPLOAD_PATH, 'post', 'requestBody', 'content', 'multipart/form-data', 'schema'), form)).toBe('');
    expect(upload.fields.messaging_product).toBe('whatsapp');
    expect(upload.file).toMatchObject({ fieldName: 'file', filename: 'photo.jpg', contentType: 'image/jpeg' });
    expect(problems(parameterSchema(UPLOAD_PATH, 'post', 'User-Agent'), upload.headers['user-agent'])).toBe('');
    expect(problems(parameterSchema(UPLOAD_PATH, 'post', 'Authorization'), `Bearer ${upload.bearerToken}`)).toBe('');
    expect(problems(parameterSchema(UPLOAD_PATH, 'post', 'Version'), upload.path.split('/')[1])).toBe('');
  });

  it('media info, the media URL download and delete carry the User-Agent and Authorization the spec describes', async () => {
    const { requests } = await lifecycle();
    const [, info, , download, deleted] = requests;
    expect(download!.path.startsWith('/sandbox-media/')).toBe(true);
    for (const [record, path, method] of [
      [info!, MEDIA_PATH, 'get'],
      [deleted!, MEDIA_PATH, 'delete'],
      [download!, MEDIA_URL_PATH, 'get'],
    ] as const) {
      expect(problems(parameterSchema(path, method, 'User-Agent'), record.headers['user-agent'])).toBe('');
      expect(record.bearerToken).toBe(TEST_TOKEN);
      expect(problems(parameterSchema(path, method, 'Authorization'), `Bearer ${record.bearerToken}`)).toBe('');
    }
    expect(problems(parameterSchema(MEDIA_PATH, 'get', 'User-Agent'), 'wa-upload/0.0.0-dev')).toContain('must match pattern');
  });

  it("a Resumable Upload's calls carry the User-Agent, and the data call its token and file_offset in headers", async () => {
    const result = await cli.run(['handle', pdf], { env: { WA_APP_ID: APP_ID, WA_PHONE_NUMBER_ID: undefined } });
    expect(result.code).toBe(0);
    const [start, data] = cli.sandbox.requests;
    expect(start!.path).toMatch(new RegExp(`^/v\\d+\\.\\d+/${APP_ID}/uploads$`));
    for (const record of [start!, data!]) expect(problems(parameterSchema(UPLOAD_PATH, 'post', 'User-Agent'), record.headers['user-agent'])).toBe('');
    const scheme = data!.oauthToken !== undefined ? 'OAuth' : 'Bearer';
    const headers = { ...data!.headers, authorization: `${scheme} ${data!.oauthToken ?? data!.bearerToken}` };
    expect(problems(ourSchema('dataCallHeaders'), headers)).toBe('');
    expect(data!.headers.file_offset).toBe('0');
  });
});
