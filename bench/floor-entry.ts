import { createFloorHandler } from './floor';

/** The floor as a bundled Lambda-style entry, for the cold-start comparison. */
export const handler = (() => {
  const handle = createFloorHandler({
    accessKey: process.env.KOOGALLERY_ACCESS_KEY ?? '',
    endpoint: process.env.DYNAMODB_ENDPOINT ?? '',
    tableName: process.env.TABLE_NAME ?? '',
  });
  return (event: { rawQueryString: string; body: string }) =>
    handle(Object.fromEntries(new URLSearchParams(event.rawQueryString)), Buffer.from(event.body));
})();
