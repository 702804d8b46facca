// Type declarations for packages that ship none.

declare module 'proxy-from-env' {
  /** The proxy URL that HTTP(S)_PROXY / ALL_PROXY / NO_PROXY choose for this URL, or '' for none. */
  export function getProxyForUrl(url: string | URL): string;
}
