/**
 * The floor (issue 6 item 4): the least work a production interface can do per request on the same
 * store: verify the V2.0 signature over the raw body and make one conditional PutItem with the raw
 * AWS SDK client. Used over node:http by the bench and, bundled, for the cold-start comparison.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { verifyRequestSignature } from '../lib/protocol/request-signature';

/** Where the floor writes. */
export interface FloorOptions {
  accessKey: string;
  endpoint: string;
  tableName: string;
}

/** The floor's handling of one request: query parameters and raw body in, status and JSON out. */
export type FloorHandler = (
  query: Record<string, string>,
  body: Buffer,
) => Promise<{ statusCode: number; body: string }>;

/** Builds the floor's handler with its own SDK client. */
export function createFloorHandler(options: FloorOptions): FloorHandler {
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return async (query, body) => {
    const v = verifyRequestSignature(
      { signature: query.signature, timestamp: query.timestamp, nonce: query.nonce, body },
      [options.accessKey],
      Date.now(),
      60_000,
    );
    if (!v.ok) return { statusCode: 200, body: '{"resultCode":"000001"}' };
    await client.send(
      new PutItemCommand({
        TableName: options.tableName,
        Item: { pk: { S: `FLOOR#${randomBytes(12).toString('hex')}` }, data: { B: body } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { statusCode: 200, body: '{"resultCode":"000000","resultMsg":"success"}' };
  };
}

/** Serves the floor on 127.0.0.1 (port 0: any free one). */
export async function startFloorServer(
  options: FloorOptions,
): Promise<{ url: string; server: Server }> {
  const handle = createFloorHandler(options);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      handle(Object.fromEntries(url.searchParams), Buffer.concat(chunks)).then(
        (r) => {
          res.writeHead(r.statusCode, { 'Content-Type': 'application/json;charset=UTF-8' });
          res.end(r.body);
        },
        () => {
          res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' });
          res.end('{"resultCode":"000005"}');
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}
