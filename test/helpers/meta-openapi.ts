// Meta's OpenAPI excerpt (fixtures/openapi/) loaded into Ajv: validators for its schemas and for the project's own resumable ones.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { FIXTURES } from './run-cli.js';

const META_ID = 'https://wa-upload.invalid/meta-openapi.json';
const OURS_ID = 'https://wa-upload.invalid/resumable-upload.schema.json';

/** The excerpt of Meta's OpenAPI description, as parsed JSON. */
const META_SPEC: any = JSON.parse(readFileSync(join(FIXTURES, 'openapi', 'whatsapp-media.openapi.json'), 'utf8'));
const OURS: unknown = JSON.parse(readFileSync(join(FIXTURES, 'openapi', 'resumable-upload.schema.json'), 'utf8'));

/** The paths of the excerpt, by their OpenAPI template. */
export const UPLOAD_PATH = '/{Version}/{Phone-Number-ID}/media';
export const MEDIA_PATH = '/{Version}/{Media-ID}';
export const MEDIA_URL_PATH = '/{Version}/{Media-URL}';

const ajv = new Ajv2020({ strict: true, allErrors: true });
// The OpenAPI document's own words around its schemas, and `example` inside them: known, not validated.
ajv.addVocabulary(['x-wa-upload', 'openapi', 'info', 'servers', 'paths', 'components', 'example']);
// OpenAPI's `format: binary` is a file's content: any bytes.
ajv.addFormat('binary', true);
ajv.addSchema(META_SPEC as object, META_ID);
ajv.addSchema(OURS as object, OURS_ID);

/** A JSON pointer from path segments (escaping `~` and `/`). */
function pointer(segments: string[]): string {
  return segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** The excerpt's node at these segments; throws when absent, so a renamed part of the spec fails loudly. */
export function specAt(...segments: string[]): any {
  let node: any = META_SPEC;
  for (const s of segments) {
    node = node?.[s];
    if (node === undefined) throw new Error(`Meta's OpenAPI excerpt has nothing at ${pointer(segments)}`);
  }
  return node;
}

/** A validator for the schema at these segments of Meta's excerpt (its `$ref`s resolved by Ajv). */
export function metaSchema(...segments: string[]): ValidateFunction {
  specAt(...segments);
  const validate = ajv.getSchema(`${META_ID}#${encodeURI(pointer(segments))}`);
  if (!validate) throw new Error(`no schema at ${pointer(segments)}`);
  return validate;
}

/**
 * A validator for the schema at these segments with every property it names made required: Meta's schemas list an
 * answer's fields without `required`, and a stand-in that left one out would still pass them.
 */
export function metaSchemaAllNamed(...segments: string[]): ValidateFunction {
  const schema = specAt(...segments) as { properties?: Record<string, unknown> };
  const names = Object.keys(schema.properties ?? {});
  if (names.length === 0) throw new Error(`the schema at ${pointer(segments)} names no property`);
  return ajv.compile({ type: 'object', allOf: [{ $ref: `${META_ID}#${encodeURI(pointer(segments))}` }], required: names });
}

/** The schema of a parameter a path's operation takes (its own or the path's, by name, `$ref`s followed), e.g. `User-Agent`. */
export function parameterSchema(path: string, method: string, name: string): ValidateFunction {
  for (const where of [['paths', path, method], ['paths', path]]) {
    const list = (specAt(...where).parameters ?? []) as { $ref?: string; name?: string }[];
    for (const [index, parameter] of list.entries()) {
      const at = parameter.$ref ? parameter.$ref.slice(2).split('/') : [...where, 'parameters', String(index)];
      if (specAt(...at).name === name) return metaSchema(...at, 'schema');
    }
  }
  throw new Error(`${method.toUpperCase()} ${path} takes no parameter ${name} in Meta's excerpt`);
}

/** A validator for one of wa-upload's own resumable schemas (`$defs` of resumable-upload.schema.json). */
export function ourSchema(name: string): ValidateFunction {
  const validate = ajv.getSchema(`${OURS_ID}#/$defs/${name}`);
  if (!validate) throw new Error(`resumable-upload.schema.json has no $defs/${name}`);
  return validate;
}

/** Ajv's verdict as text: '' when valid, else each error with where it is (for `expect(...).toBe('')`). */
export function problems(validate: ValidateFunction, value: unknown): string {
  if (validate(value)) return '';
  return ajv.errorsText(validate.errors, { separator: '; ' });
}
