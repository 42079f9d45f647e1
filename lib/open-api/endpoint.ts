import { ConfigError } from '../errors';

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Validates an open API endpoint and returns it without a trailing slash. Only `https://`, or
 * `http://` on a loopback host for local runs and tests (docs/protocol.md, decision 11): AK/SK-signed requests and
 * buyer data never cross a network in clear. Throws `ConfigError` otherwise.
 */
export function parseOpenApiEndpoint(endpoint: string): string {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  const allowed =
    url !== undefined &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))) &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '';
  if (!url || !allowed) {
    throw new ConfigError([
      `the open API endpoint "${endpoint}" must be https://host, or http:// on a loopback host for local runs`,
    ]);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
