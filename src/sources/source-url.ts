// URL sources: which operands are URLs, which schemes are taken, and a URL as every message shows it (no credentials, no query).

import { rememberSecret, UsageError } from '../errors.js';

/** An operand that starts with a scheme and `//` is a URL, whatever the scheme (a file name never does on Unix). */
const URL_OPERAND = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** True when a command-line operand names a URL rather than a file. */
export function isUrlOperand(operand: string): boolean {
  return URL_OPERAND.test(operand);
}

/**
 * A URL as messages, progress and JSON show it: scheme, host and path; the user name and password are dropped and a
 * query string becomes `?…` (pre-signed URLs carry their credentials there).
 */
export function redactedUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
}

/** The redacted form of text that may or may not parse as a URL (for the message that says it does not). */
function redactedUrlText(text: string): string {
  try {
    return redactedUrl(new URL(text));
  } catch {
    return text.replace(/\/\/[^@/?#]*@/, '//').replace(/[?#].*$/, (rest) => (rest.startsWith('?') ? '?…' : ''));
  }
}

/**
 * An operand or API argument as a source URL: http or https only (any other scheme is a usage error, exit 2). Its
 * password and query string are registered as secrets, so that no message can show them even where a library
 * quotes the URL.
 */
export function parseSourceUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${redactedUrlText(text)} is not a valid URL`, 'check the address, or name a local file');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${url.protocol.slice(0, -1)} URLs are not taken (${redactedUrl(url)})`, 'give an http:// or https:// URL, or download the file and name the file');
  }
  rememberUrlSecrets(url);
  return url;
}

/** Registers the parts of a URL no message may show: its password, its user name with it, its query string and long query values. */
function rememberUrlSecrets(url: URL): void {
  if (url.password) {
    rememberSecret(url.password);
    rememberSecret(safeDecode(url.password));
    rememberSecret(`${url.username}:${url.password}`);
  }
  if (url.search.length > 1) {
    rememberSecret(url.search.slice(1));
    for (const value of url.searchParams.values()) if (value.length >= 8) rememberSecret(value);
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
