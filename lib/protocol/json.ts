/**
 * Serialises a response body with every non-ASCII character written as `\uXXXX` (docs/protocol.md, decision 5),
 * so the bytes sent, the bytes signed and what KooGallery parses are the same ASCII string.
 */
export function toAsciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
