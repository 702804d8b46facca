// Graph-style error bodies for the sandbox, shaped like the live server's envelope (GraphAPIError in Meta's OpenAPI description, fixtures/openapi/).

import { randomBytes } from 'node:crypto';

/** The `error` object of a Graph error response, as the sandbox sends it. */
interface GraphErrorObject {
  message: string;
  type: 'OAuthException';
  code: number;
  error_subcode?: number;
  error_data?: { messaging_product: 'whatsapp'; details: string };
  is_transient?: boolean;
  fbtrace_id: string;
}

/** A whole Graph error response body: `{"error": {...}}`. */
export interface GraphErrorBody {
  error: GraphErrorObject;
}

/** What goes into one Graph error; optional parts are left out of the body when absent. */
export interface GraphErrorSpec {
  code: number;
  message: string;
  subcode?: number;
  details?: string;
  isTransient?: boolean;
}

/** Builds a Graph error body with a fresh `fbtrace_id` ("A" and 22 random characters, like the live ones). */
export function graphErrorBody(spec: GraphErrorSpec): GraphErrorBody {
  const error: GraphErrorObject = {
    message: spec.message,
    type: 'OAuthException',
    code: spec.code,
    ...(spec.subcode !== undefined && { error_subcode: spec.subcode }),
    ...(spec.details !== undefined && { error_data: { messaging_product: 'whatsapp', details: spec.details } }),
    ...(spec.isTransient !== undefined && { is_transient: spec.isTransient }),
    fbtrace_id: `A${randomBytes(17).toString('base64url').slice(0, 22)}`,
  };
  return { error };
}

/** Messages the live server uses for the codes tests inject most; anything else gets a generic one. */
const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  0: 'Invalid OAuth access token - Cannot parse access token',
  1: 'An unknown error occurred',
  2: 'An unexpected error has occurred. Please retry your request later.',
  3: '(#3) Application does not have the capability to make this API call.',
  4: '(#4) Application request limit reached',
  10: '(#10) Application does not have permission for this action',
  17: '(#17) User request limit reached',
  100: '(#100) Invalid parameter',
  190: 'Invalid OAuth access token - Cannot parse access token',
  200: '(#200) Permissions error',
  368: '(#368) Temporarily blocked for policies violations',
  80007: '(#80007) Rate limit hit',
  130429: '(#130429) Rate limit hit',
  131000: '(#131000) Something went wrong',
  131016: '(#131016) Service unavailable',
  131031: '(#131031) Account has been locked',
  131053: '(#131053) Media upload error',
  // Top-level 33: the business phone number has been deleted (Meta's error code table).
  33: '(#33) Parameter value is not valid: the business phone number has been deleted',
  131057: '(#131057) Account in maintenance mode',
  133004: '(#133004) Server Temporarily Unavailable',
};

/** HTTP statuses the live server pairs with some codes; anything else defaults to 500 in a fault. */
const DEFAULT_STATUSES: Readonly<Record<number, number>> = { 33: 400, 133004: 503 };

/** The HTTP status an injected fault with this Graph code answers with when it names none. */
export function defaultGraphStatus(code: number): number {
  return DEFAULT_STATUSES[code] ?? 500;
}

/** The usual message for a Graph error code, so an injected fault reads like the real thing. */
export function defaultGraphMessage(code: number): string {
  return DEFAULT_MESSAGES[code] ?? `(#${code}) Sandbox fault`;
}

/** The phrase Graph uses when an object in the path is unknown or not reachable with this token (subcode 33). */
export function unknownObjectMessage(method: string, id: string): string {
  return (
    `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, ` +
    'cannot be loaded due to missing permissions, or does not support this operation'
  );
}
