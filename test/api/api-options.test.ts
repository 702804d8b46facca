// The API's options are the settings schema's: every config-file setting is an option of the API with the schema's value type, so the two cannot drift.

import { describe, expect, it } from 'vitest';
import type { ClientOptions, HandleOptions, UploadOptions } from '../../src/index.js';
import { CONFIG_SETTINGS, type FlagsOf, type SettingKey } from '../../src/settings/schema.js';

/** The schema's value type of a setting, as the API takes it. */
type SchemaValue<K extends SettingKey> = NonNullable<FlagsOf<string>[K]>;
/** True when A and B are the same type (checked by the compiler: `npm test` runs tsc over the tests). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type AllOptions = ClientOptions & UploadOptions & HandleOptions;
/** Every config-file setting of the schema is an API option of the same type (the token too). */
type Checked = { [K in 'token' | 'phoneNumberId' | 'appId' | 'apiVersion' | 'baseUrl' | 'retries' | 'timeout' | 'retryDelay' | 'maxRetryWait' | 'ttlMinutes' | 'ffmpegPath' | 'fixTimeout']: Same<NonNullable<AllOptions[K]>, SchemaValue<K>> };
const checked: Checked = {
  token: true,
  phoneNumberId: true,
  appId: true,
  apiVersion: true,
  baseUrl: true,
  retries: true,
  timeout: true,
  retryDelay: true,
  maxRetryWait: true,
  ttlMinutes: true,
  ffmpegPath: true,
  fixTimeout: true,
};

describe('the API options and the schema', () => {
  it('every setting a config file may hold is an API option (concurrency aside: the API uploads one file per call)', () => {
    const apiKeys = Object.keys(checked);
    const settings = CONFIG_SETTINGS.map((s) => s.key).filter((key) => key !== 'concurrency');
    expect(settings.filter((key) => !apiKeys.includes(key))).toEqual([]);
    expect(Object.values(checked).every(Boolean)).toBe(true);
  });
});
