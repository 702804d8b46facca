// Table tests of the settings merge: precedence, environment names, config objects, API version and base URL rules.

import { describe, expect, it } from 'vitest';
import { isLoopbackHost, mergeSettings, normaliseApiVersion, settingsFromConfigObject, settingsFromEnv, validateBaseUrl } from '../../src/settings/config.js';
import { ConfigError } from '../../src/errors.js';

describe('settings', () => {
  const base = { token: 't0ken-abc', phoneNumberId: '123' };
  it('flag > environment > config file > default', () => {
    const config = mergeSettings({
      flags: { phoneNumberId: '1', retries: undefined },
      env: { phoneNumberId: '2', token: 'env-token', apiVersion: 'v25.0' },
      file: { phoneNumberId: '3', token: 'file-token', retries: 5, apiVersion: 'v24.0' },
    });
    expect(config.phoneNumberId).toBe('1');
    expect(config.token).toBe('env-token');
    expect(config.retries).toBe(5);
    expect(config.apiVersion).toBe('v25.0');
    expect(config.concurrency).toBe(4);
    expect(config.baseUrl).toBe('https://graph.facebook.com');
    expect(config.timeoutMs).toBe(60_000);
  });

  it.each([
    [{ phoneNumberId: '123' }, /no access token/],
    [{ token: 'x1234' }, /no phone number ID/],
    [{ ...base, phoneNumberId: '12a' }, /not all digits/],
    [{ ...base, concurrency: 0 }, /concurrency 0 .* from 1 to 64/],
    [{ ...base, retries: 1.5 }, /retries 1.5/],
    [{ ...base, timeout: 0 }, /timeout 0/],
    [{ ...base, token: 'two words' }, /white space/],
    [{ ...base, baseUrl: 'http://10.0.0.5:8080' }, /not loopback/],
    [{ ...base, apiVersion: 'latest' }, /not of the form v27.0/],
  ])('refuses %j', (file, message) => {
    expect(() => mergeSettings({ flags: {}, env: {}, file })).toThrow(ConfigError);
    expect(() => mergeSettings({ flags: {}, env: {}, file })).toThrow(message);
  });

  it.each([
    [{ WA_TOKEN: 'a1', WHATSAPP_TOKEN: 'b2' }, 'a1', 'environment WA_TOKEN'],
    [{ WHATSAPP_ACCESS_TOKEN: 'c3', CLOUD_API_ACCESS_TOKEN: 'd4' }, 'c3', 'environment WHATSAPP_ACCESS_TOKEN'],
    [{ CLOUD_API_ACCESS_TOKEN: 'd4', WA_TOKEN: '  ' }, 'd4', 'environment CLOUD_API_ACCESS_TOKEN'],
  ])('token from environment %j', (env, token, source) => {
    const { settings, sources } = settingsFromEnv(env);
    expect(settings.token).toBe(token);
    expect(sources.token).toBe(source);
  });

  it('config objects: unknown keys warn, numbers as phone IDs are taken, wrong types refused', () => {
    const ok = settingsFromConfigObject({ phoneNumberId: 123, token: 'x', colour: 'red' }, '/p/.waupload.json');
    expect(ok.settings.phoneNumberId).toBe('123');
    expect(ok.warnings).toEqual([expect.stringContaining('unknown key "colour" in /p/.waupload.json')]);
    expect(() => settingsFromConfigObject([], '/p/x.json')).toThrow(/must hold an object/);
    expect(() => settingsFromConfigObject({ timeout: '60' }, '/p/x.json')).toThrow(/"timeout" in \/p\/x.json must be a number/);
  });

  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['[::1]', true],
    ['api.localhost', true],
    ['10.0.0.1', false],
    ['graph.facebook.com', false],
    ['127.0.0.1.nip.io', false],
  ])('loopback %s: %s', (host, expected) => expect(isLoopbackHost(host)).toBe(expected));

  it.each([
    ['https://graph.facebook.com/', 'https://graph.facebook.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://proxy.example.com/graph/', 'https://proxy.example.com/graph'],
  ])('base URL %s → %s', (given, expected) => expect(validateBaseUrl(given)).toBe(expected));

  it.each(['ftp://x.example', 'not a url', 'https://user:pw@graph.facebook.com', 'http://example.com'])('base URL %s refused', (given) => {
    expect(() => validateBaseUrl(given)).toThrow(ConfigError);
  });

  it.each([
    ['v26.0', 'v26.0'],
    ['26.0', 'v26.0'],
    ['V21.0', 'v21.0'],
  ])('API version %s → %s', (given, expected) => expect(normaliseApiVersion(given)).toBe(expected));
});

describe('the app ID (wa-upload handle)', () => {
  it.each([
    [{ WA_APP_ID: '1', WHATSAPP_APP_ID: '2', M4D_APP_ID: '3' }, '1', 'environment WA_APP_ID'],
    [{ WHATSAPP_APP_ID: '2', M4D_APP_ID: '3' }, '2', 'environment WHATSAPP_APP_ID'],
    [{ M4D_APP_ID: '3' }, '3', 'environment M4D_APP_ID'],
  ])('from the environment %j', (env, appId, source) => {
    const { settings, sources } = settingsFromEnv(env);
    expect(settings.appId).toBe(appId);
    expect(sources.appId).toBe(source);
  });

  it('flag > environment > config key appId; no phone number ID needed', () => {
    const merged = (flags: object, env: object, file: object) => mergeSettings({ flags, env, file: { token: 't0ken-abc', ...file }, needs: 'appId' });
    expect(merged({ appId: '1' }, { appId: '2' }, { appId: '3' }).appId).toBe('1');
    expect(merged({}, { appId: '2' }, { appId: '3' }).appId).toBe('2');
    expect(merged({}, {}, { appId: '3' }).appId).toBe('3');
    expect(merged({}, {}, { appId: '3' }).phoneNumberId).toBe('');
    expect(settingsFromConfigObject({ appId: 123 }, '/p/x.json').settings.appId).toBe('123');
  });

  it.each([
    [{ token: 't0ken-abc' }, /no app ID/, /WA_APP_ID, WHATSAPP_APP_ID, M4D_APP_ID.*--app-id.*"appId"/],
    [{ token: 't0ken-abc', appId: 'my-app' }, /app ID "my-app" .* not all digits/, /App ID/],
  ])('refuses %j', (file, message, hint) => {
    const attempt = () => mergeSettings({ flags: {}, env: {}, file, needs: 'appId' });
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).hint).toMatch(hint);
    }
  });
});
